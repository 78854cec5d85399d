#!/usr/bin/perl
# Writes a MaxMind DB file with MaxMind's own writer (Debian: libmaxmind-db-writer-perl), for tests of the
# asn_database reader: `make-mmdb.pl OUT < spec.json`, the spec being
# {"type": "GeoLite2-ASN", "networks": [["198.51.0.0/16", {"autonomous_system_number": 64500, ...}], ...]}, and
# optionally "build_epoch" (the file's build date; the time of writing without it), "record_size" (24, 28 or 32
# bits; 24 without it) and "ip_version" (4 for an IPv4-only tree; 6, IPv4 mapped into it, without it).
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my ($out) = @ARGV;
die "usage: make-mmdb.pl OUT < spec.json\n" unless defined $out;
my $spec = decode_json(do { local $/; <STDIN> });

# The writer needs each key's type in the file's format; these are the ones GeoLite2-ASN and -Country use.
my %types = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    country                        => 'map',
    iso_code                       => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => $spec->{ip_version} // 6,
    record_size           => $spec->{record_size} // 24,
    database_type         => $spec->{type},
    languages             => ['en'],
    description           => { en => 'f2b-campaign test database' },
    alias_ipv6_to_ipv4    => ($spec->{ip_version} // 6) == 6 ? 1 : 0,
    # Tests use the documentation ranges (192.0.2.0/24, 2001:db8::/32), which the writer leaves out by default.
    remove_reserved_networks => 0,
    map_key_type_callback => sub { $types{ $_[0] } // die "no type for key $_[0]\n" },
);
# A build date of the test's choosing (seconds since the epoch), where it must tell two builds of a file apart.
$tree->_set_build_epoch($spec->{build_epoch}) if defined $spec->{build_epoch};
for my $network (@{ $spec->{networks} }) {
    $tree->insert_network($network->[0], $network->[1]);
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
