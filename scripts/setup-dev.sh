#!/usr/bin/env bash
# Everything the tests need on a fresh Debian 12 machine, from apt and npm only. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fail2ban          # the real fail2ban-server and fail2ban-regex, and its sshd test corpus; a peer in bench/
  python3-pyinotify # fail2ban's backend = auto where its Recommends are installed (Debian's default): bench/idle.mjs
  openssh-server    # a real sshd for the end-to-end test
  openssh-client sshpass
  nftables iproute2 # the firewall, inside network namespaces the tests create; ss, the peer in bench/sample-cost.mjs
  sshguard          # sshg-parser and sshg-blocker, peers in bench/ (replay, idle, memory)
  debhelper dpkg-dev devscripts lintian debootstrap fakeroot # the Debian package and its install test
  systemd-container # systemd-nspawn: the package test boots its root with systemd as PID 1
  logrotate rsyslog # rotation tests; the e2e test logs sshd through a private rsyslogd
  python3-systemd   # fail2ban's backend = systemd: the journal e2e test logs sshd through a private journald
  time              # GNU time: peak RSS of the peers in bench/
  chromium          # renders the audit's HTML report in a test
  libmaxmind-db-writer-perl # MaxMind's own writer makes the asn_database tests' files (test/helpers/make-mmdb.pl)
)

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
# Node.js >= 18.19: Debian 12's own nodejs is enough. Install it only where there is none, and npm on its own: the
# f2b-campaign .deb pulls in Debian's nodejs without npm (found in review: the script then died at `npm install`).
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# `npm install` from a clean node_modules, not `npm ci`: the registry this project is built against carries only
# some platforms' builds of the optional native packages (biome, rollup, esbuild), which npm therefore leaves out of
# the lock file, and `npm ci` refuses a lock that lacks any platform's optional package. The lock is still
# honoured. Clean, because npm 11 can fail incremental installs ("reading 'children'").
rm -rf node_modules
npm install --no-audit --no-fund
