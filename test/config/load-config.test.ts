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
      { key: 'dir', type: 'path', default: '/var/lib/x', doc: '' },
      { key: 'inputs', type: 'list', default: ['/var/log/auth.log'], doc: '' },
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
      dir: '/var/lib/x',
      inputs: ['/var/log/auth.log'],
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
        'x.conf: unknown key [demo] colour (known: flag, window, count, mode, paths, ports, nets, dir, inputs)',
        'x.conf: unknown section [other] (expected one of [demo])',
      ].join('\n'),
    );
  });

  it('reads a file saved with a UTF-8 byte-order mark as without it (found in review: "unknown section [\\uFEFF[demo]]")', () => {
    const config = parseConfigText('\uFEFF[demo]\nnets = 10.0.0.0/8\n', 'bom.conf', SECTIONS);
    expect(config.values['demo']!['nets']).toEqual(['10.0.0.0/8']);
  });

  it('refuses a key or a section written twice, naming both lines, where ini would keep only the last value', () => {
    const key = '[demo]\nnets = 10.0.0.0/8\n# a comment\nnets = 192.168.0.0/16\n';
    expect(() => parseConfigText(key, 'x.conf', SECTIONS)).toThrow(
      'x.conf:4: [demo] nets is written twice (first at line 2): give it once, with every item on one line',
    );
    const section = '[demo]\nnets = 10.0.0.0/8\n\n[demo]\ncount = 4\n';
    expect(() => parseConfigText(section, 'x.conf', SECTIONS)).toThrow(
      'x.conf:4: section [demo] is written twice (first at line 1): give each section once',
    );
    // The same key in two different sections is two keys.
    const two: SectionSpec[] = [...SECTIONS, { name: 'more', doc: '', keys: [SECTIONS[0]!.keys[0]!] }];
    expect(parseConfigText('[demo]\nflag = yes\n[more]\nflag = no\n', 'x.conf', two).values.more).toEqual({
      flag: false,
    });
  });

  it('refuses an empty path, list or ports value unless the default is empty too', () => {
    expect(() => parseConfigText('[demo]\ndir =\ninputs = ,\nports =\n', 'x.conf', SECTIONS)).toThrow(
      [
        'x.conf: [demo] dir = "": expected a value (leave the key out, or comment it, for the default /var/lib/x)',
        'x.conf: [demo] inputs = ",": expected a value (leave the key out, or comment it, for the default /var/log/auth.log)',
        'x.conf: [demo] ports = "": expected a value (leave the key out, or comment it, for the default 22)',
      ].join('\n'),
    );
    // Empty where the default is empty means the default: no extra addresses, no extra paths.
    expect(parseConfigText('[demo]\nnets =\npaths =\n', 'x.conf', SECTIONS).values.demo).toMatchObject({
      nets: [],
      paths: [],
    });
  });

  it('refuses a # or ; inside a word of a value, which ini would take as a comment cutting the value', () => {
    expect(() => parseConfigText('[demo]\ndir = /x/logs#1/v.log\ninputs = /x/a;old\n', 'x.conf', SECTIONS)).toThrow(
      [
        'x.conf:2: [demo] dir: the "#" inside "/x/logs#1/v.log" would start a comment and cut the value; put the value in double quotes, or write \\#',
        'x.conf:3: [demo] inputs: the ";" inside "/x/a;old" would start a comment and cut the value; put the value in double quotes, or write \\;',
      ].join('\n'),
    );
    // After a space it is an inline comment; quoted or escaped it is part of the value.
    const text = '[demo]\ncount = 4 # four\ndir = "/x/logs#1/v.log"\ninputs = /x/a\\;old ; kept one\n';
    expect(parseConfigText(text, 'x.conf', SECTIONS).values.demo).toMatchObject({
      count: 4,
      dir: '/x/logs#1/v.log',
      inputs: ['/x/a;old'],
    });
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
