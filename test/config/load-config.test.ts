import { describe, expect, it } from 'vitest';
import type { SectionSpec } from '../../src/config/key-spec.js';
import { defaultValues, parseConfigText } from '../../src/config/load-config.js';

const SECTIONS: SectionSpec[] = [
  {
    name: 'demo',
    doc: 'test section',
    keys: [
      { key: 'flag', type: 'bool', default: false, doc: '' },
      { key: 'window', type: 'duration', default: 60_000, min: 1000, doc: '' },
      { key: 'count', type: 'int', default: 3, min: 1, max: 10, doc: '' },
      { key: 'mode', type: 'enum', choices: ['a', 'b'], default: 'a', doc: '' },
      { key: 'paths', type: 'list', default: [], doc: '' },
      { key: 'ports', type: 'ports', default: ['22'], doc: '' },
      { key: 'nets', type: 'cidrs', default: [], doc: '' },
    ],
  },
];

describe('config loading', () => {
  it('fills every key with its default when the file sets nothing', () => {
    expect(parseConfigText('', 'x.conf', SECTIONS).values).toEqual(defaultValues(SECTIONS));
  });

  it('reads each type, including true/false that ini hands over as booleans', () => {
    const { values, explicit } = parseConfigText(
      '[demo]\nflag = true\nwindow = 1h30m\ncount = 7\nmode = b\npaths = /a, /b /c\nports = 22, 2222\nnets = 192.0.2.7, 10.0.0.0/8 2001:db8::/32\n',
      'x.conf',
      SECTIONS,
    );
    expect(values.demo).toEqual({
      flag: true,
      window: 5_400_000,
      count: 7,
      mode: 'b',
      paths: ['/a', '/b', '/c'],
      ports: ['22', '2222'],
      nets: ['192.0.2.7', '10.0.0.0/8', '2001:db8::/32'],
    });
    expect([...explicit].sort()).toEqual([
      'demo.count',
      'demo.flag',
      'demo.mode',
      'demo.nets',
      'demo.paths',
      'demo.ports',
      'demo.window',
    ]);
  });

  it('names the key, the value and what was expected for every bad value, unknown key and section', () => {
    const text =
      '[demo]\nflag = maybe\nwindow = true\ncount = 11\nmode = c\nports = 22, ssh\nnets = 10.0.0.0/33 office.example\ncolour = red\n[other]\nx = 1\n';
    expect(() => parseConfigText(text, 'x.conf', SECTIONS)).toThrow(
      [
        'x.conf: [demo] flag = "maybe": expected true or false',
        'x.conf: [demo] window = "true": expected a duration like 30s, 10m, 1h or 2d',
        'x.conf: [demo] count = "11": expected a whole number between 1 and 10',
        'x.conf: [demo] mode = "c": expected one of a, b',
        'x.conf: [demo] ports = "22, ssh": expected TCP ports (1-65535), separated by commas or spaces',
        'x.conf: [demo] nets = "10.0.0.0/33 office.example": expected IP addresses or CIDR blocks (no host names), separated by commas or spaces',
        'x.conf: unknown key [demo] colour (known: flag, window, count, mode, paths, ports, nets)',
        'x.conf: unknown section [other] (expected one of [demo])',
      ].join('\n'),
    );
  });
});

describe("keys that name sshd's ports again", () => {
  // Found in review: with sshd on 2222 and only [service] ssh_ports set, the lifetime signal timed port 22 (dead)
  // and the alerts took the admin's own sessions to 2222 as outbound while sshd's listener was gone a moment.
  it('follow [service] ssh_ports when left out', () => {
    const { values } = parseConfigText('[service]\nssh_ports = 2222\n', 'x.conf');
    expect(values['detection']!['socket_ports']).toEqual(['2222']);
    expect(values['alerts']!['inbound_ports']).toEqual(['2222']);
  });

  it('keep their own value when set, and their default without ssh_ports', () => {
    const set = parseConfigText('[service]\nssh_ports = 2222\n[alerts]\ninbound_ports = 22 2222\n', 'x.conf');
    expect(set.values['detection']!['socket_ports']).toEqual(['2222']);
    expect(set.values['alerts']!['inbound_ports']).toEqual(['22', '2222']);
    const none = parseConfigText('[detection]\nsocket_ports = 2200\n', 'x.conf');
    expect(none.values['detection']!['socket_ports']).toEqual(['2200']);
    expect(none.values['alerts']!['inbound_ports']).toEqual(['22']);
  });
});
