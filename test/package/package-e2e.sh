#!/usr/bin/env bash
# End-to-end test of the Debian package, on a clean Debian 12 root:
#   1. build the .deb from the working tree (dpkg-buildpackage -us -uc -b), lintian;
#   2. debootstrap a bookworm root (cached as a tarball), `apt-get install ./f2b-campaign_*.deb` so apt pulls
#      Debian's own nodejs 18 and fail2ban; check user, log, conffiles, unit (systemd-analyze verify), tmpfiles;
#   3. start fail2ban-server in the foreground inside the root, in a network namespace of its own (its nftables
#      ban action runs there, never on the host); check `fail2ban-client status f2b-campaign`;
#   4. run the program as the unit's ExecStart would (as the f2b-campaign user, no new privileges, no
#      capabilities) and check that fail2ban bans exactly the campaign members (fail2ban's ban list and nft);
#   5. remove, then purge the package, and check what remains;
#   6. install it again while fail2ban runs: postinst's reload must give the running server the jail;
#   7. boot the root with systemd as PID 1 (systemd-nspawn, its own network namespace), as a Debian 12 server
#      without rsyslog: the unit's sandbox for real, the journal as sshd's only log, a campaign against a real sshd
#      banned by fail2ban.service (test/package/boot-check-inner.sh runs the checks inside);
#   8. boot it again with rsyslog: the same through /var/log/auth.log, rotated by logrotate mid-campaign.
# Each step prints PASS/FAIL lines; the script exits non-zero at the first failure. Needs root, debootstrap,
# dpkg-buildpackage, lintian, ip (iproute2), systemd-nspawn (systemd-container) and network access to the Debian
# mirror the host's apt uses.
#
# Environment: F2BC_PKG_SUITE (default bookworm; trixie tests Debian 13's fail2ban 1.1 and nodejs 20; noble tests
# Ubuntu 24.04's nodejs 18.19.1 and fail2ban from archive.ubuntu.com, F2BC_PKG_UBUNTU_MIRROR, bootstrapped unverified);
# F2BC_PKG_CACHE (default /var/cache/f2b-campaign-test) holds the root tarball and apt's .debs;
# F2BC_PKG_KEEP=1 keeps the work directory for inspection; F2BC_PKG_REFRESH=1 rebuilds the cached root;
# F2BC_PKG_NSPAWN names another systemd-nspawn (a test of step 7's SKIPPED path: F2BC_PKG_NSPAWN=false).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${F2BC_PKG_CACHE:-/var/cache/f2b-campaign-test}
SUITE=${F2BC_PKG_SUITE:-bookworm} # trixie (Debian 13, fail2ban 1.1) and noble (Ubuntu 24.04) work too
BASE_TAR=$CACHE/$SUITE-minbase-systemd.tar.gz
# Ubuntu builds packages of its own under Debian's file names (same name and version, other contents): apt's
# downloads for it go to a directory of their own.
case $SUITE in
noble) VENDOR=Ubuntu ARCHIVES=$CACHE/apt-archives-ubuntu ;;
*) VENDOR=Debian ARCHIVES=$CACHE/apt-archives ;;
esac
WORK=$(mktemp -d /var/tmp/f2bc-pkg.XXXXXX)
ROOT=$WORK/root
NS=f2bc-pkg-$$
MOUNTS=()
F2B_PID=
SERVICE_PID=
STARTED=$(date +%s)
STEP=

say() { printf '%s\n' "$*"; }
step() {
  STEP=$1
  say ""
  say "==> step $1 ($(($(date +%s) - STARTED)) s)"
}
pass() { say "PASS [$STEP] $*"; }
fail() {
  say "FAIL [$STEP] $*"
  exit 1
}
# check DESCRIPTION COMMAND...: runs the command, PASS or FAIL with the description.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
f2b() { in_root fail2ban-client "$@"; }

cleanup() {
  local rc=$?
  set +e
  if [ -n "$SERVICE_PID" ]; then kill "$SERVICE_PID" 2>/dev/null; wait "$SERVICE_PID" 2>/dev/null; fi
  if [ -n "$F2B_PID" ] && kill -0 "$F2B_PID" 2>/dev/null; then
    f2b stop >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$F2B_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$F2B_PID" 2>/dev/null
    wait "$F2B_PID" 2>/dev/null
  fi
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}"; done
  ip netns del "$NS" 2>/dev/null
  if grep -q " $WORK" /proc/mounts; then
    say "cleanup: something is still mounted under $WORK; not deleting it"
  elif [ "${F2BC_PKG_KEEP:-0}" = 1 ]; then
    say "cleanup: kept $WORK"
  else
    rm -rf "$WORK"
  fi
  say ""
  if [ "$rc" -eq 0 ]; then say "package e2e: ALL STEPS PASSED in $(($(date +%s) - STARTED)) s${SKIPPED_STEPS:+, but SKIPPED $SKIPPED_STEPS}"; else say "package e2e: FAILED (exit $rc) at step ${STEP:-setup}"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_in() { # mount_in TARGET mount-args... (remembered for the trap, unmounted in reverse order)
  local target=$1
  shift
  mount "$@" "$target"
  MOUNTS+=("$target")
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (debootstrap, chroot, network namespaces)"
# One run at a time: runs share the cached root and apt's download directory (and its lock).
if [ -z "${F2BC_PKG_LOCKED:-}" ]; then
  mkdir -p "$CACHE"
  trap - EXIT
  rm -rf "$WORK"
  say "waiting for $CACHE/e2e.lock (another package e2e run)..." >&2
  exec env F2BC_PKG_LOCKED=1 flock -w 1200 "$CACHE/e2e.lock" "$0" "$@"
fi
for tool in debootstrap dpkg-buildpackage lintian ip systemd-nspawn; do
  command -v "$tool" >/dev/null || fail "missing tool: $tool"
done

# ---------------------------------------------------------------------------------------------------------------
step "1 build the .deb"
# Build from a copy of the working tree (tracked and new files; F2BC_PKG_FROM=head: the last commit), so the
# build's outputs (../*.deb, debian/build, dist/) never touch the repository. node_modules is linked, not copied.
# The bundle is made fresh with scripts/bundle.mjs (type checking is `npm test`'s job, not the package's).
mkdir -p "$WORK/build/src"
if [ "${F2BC_PKG_FROM:-worktree}" = head ]; then
  (cd "$REPO" && git archive HEAD) | tar -x -C "$WORK/build/src"
else
  (cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$WORK/build/src")
fi
ln -s "$REPO/node_modules" "$WORK/build/src/node_modules"
(cd "$WORK/build/src" && node scripts/bundle.mjs) >"$WORK/build/bundle.log" 2>&1 || {
  cat "$WORK/build/bundle.log"
  fail "esbuild bundle (scripts/bundle.mjs) failed"
}
if ! (cd "$WORK/build/src" && dpkg-buildpackage -us -uc -b >"$WORK/build/build.log" 2>&1); then
  tail -40 "$WORK/build/build.log"
  fail "dpkg-buildpackage failed (log above)"
fi
DEB=$(ls "$WORK"/build/f2b-campaign_*_all.deb)
pass "built $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"
lintian_out=$(lintian --fail-on error,warning "$DEB" 2>&1) || {
  say "$lintian_out"
  fail "lintian reports errors or warnings"
}
pass "lintian: no errors or warnings${lintian_out:+ ($(printf '%s' "$lintian_out" | grep -c '^[A-Z]:') other tags)}"

# ---------------------------------------------------------------------------------------------------------------
step "2 clean $VENDOR $SUITE root, apt-get install ./f2b-campaign_*.deb"
mkdir -p "$CACHE" "$ARCHIVES/partial"
if [ "$VENDOR" = Ubuntu ]; then
  mirror=${F2BC_PKG_UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}
  # Debian 12's debootstrap has no noble script (jammy's makes a noble root), and Debian has no ubuntu-keyring: the
  # bootstrap cannot verify what it downloads. Inside the root, apt verifies with the ubuntu-keyring it installed.
  script=/usr/share/debootstrap/scripts/$SUITE
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/jammy
  verify=()
  [ -e /usr/share/keyrings/ubuntu-archive-keyring.gpg ] || verify=(--no-check-gpg)
  bootstrap_args=("${verify[@]}" "$SUITE" "$WORK/base" "$mirror" "$script")
else
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  bootstrap_args=("$SUITE" "$WORK/base" "$mirror")
fi
if [ ! -s "$BASE_TAR" ] || [ "${F2BC_PKG_REFRESH:-0}" = 1 ]; then
  say "building the cached root $BASE_TAR (debootstrap minbase + systemd, as on a stock server)"
  [ "${verify[0]:-}" != --no-check-gpg ] || say "      no ubuntu-keyring here: debootstrap does NOT verify the Release files"
  debootstrap --variant=minbase --include=systemd "${bootstrap_args[@]}" \
    >"$WORK/debootstrap.log" 2>&1 || {
    tail -20 "$WORK/debootstrap.log"
    fail "debootstrap failed"
  }
  rm -rf "$WORK/base/var/cache/apt/archives"/*.deb
  tar -C "$WORK/base" -czf "$BASE_TAR.tmp.$$" . && mv "$BASE_TAR.tmp.$$" "$BASE_TAR"
  rm -rf "$WORK/base"
fi
mkdir -p "$ROOT"
tar -C "$ROOT" -xzf "$BASE_TAR"
# apt inside uses the same mirror as the host's apt (its Debian sources only: other vendors' keys are not here).
# Ubuntu: nodejs and fail2ban are in universe, and noble's fail2ban works only from noble-updates (1.0.2-3ubuntu0.1:
# the release's fails on Python 3.12).
if [ "$VENDOR" = Ubuntu ]; then
  printf 'deb %s %s main universe\n' "$mirror" "$SUITE" "$mirror" "$SUITE-updates" "$mirror" "$SUITE-security" \
    >"$ROOT/etc/apt/sources.list"
elif [ -f /etc/apt/sources.list.d/debian.sources ] && grep -q "^Suites: *$SUITE\b" /etc/apt/sources.list.d/debian.sources; then
  : >"$ROOT/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/"
else
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s-security %s-security main\n' \
    "$mirror" "$SUITE" "$mirror" "$SUITE" "$mirror" "$SUITE" >"$ROOT/etc/apt/sources.list"
fi
{ grep -rlis '^Acquire::.*Proxy' /etc/apt/apt.conf.d/ 2>/dev/null || true; } | xargs -r cp -t "$ROOT/etc/apt/apt.conf.d/"
# No daemon may start during installation: fail2ban's init script would run in the host's network namespace.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mount_in "$ROOT/proc" -t proc proc
mount_in "$ROOT/sys" -t sysfs sysfs
# /dev is the root's own (the device nodes debootstrap made, kept in the tarball), never a bind of the host's:
# nothing done in or to the root can then reach the host's /dev/null.
mount_in "$ROOT/dev/shm" -t tmpfs -o mode=1777 tmpfs
mount_in "$ROOT/run" -t tmpfs -o mode=0755 tmpfs
mount_in "$ROOT/var/cache/apt/archives" --bind "$ARCHIVES"
cp "$DEB" "$ROOT/tmp/"
in_root apt-get update -qq >"$WORK/apt.log" 2>&1 || {
  tail -20 "$WORK/apt.log"
  fail "apt-get update in the root"
}
# Unpacked but not configured, as when apt configures (and starts) a fail2ban installed in the same run before this
# package: the jail is a conffile, which dpkg puts in place only when it configures this package, right before the
# postinst that makes the verdict log. So fail2ban never reads the jail while its log is missing.
in_root dpkg --unpack "/tmp/$(basename "$DEB")" >>"$WORK/apt.log" 2>&1 || fail "dpkg --unpack"
check "unpacked, not yet configured: the jail is not in place yet (only its .dpkg-new), so fail2ban cannot read it" \
  test ! -e "$ROOT/etc/fail2ban/jail.d/f2b-campaign.conf" -a -e "$ROOT/etc/fail2ban/jail.d/f2b-campaign.conf.dpkg-new"
in_root dpkg --purge f2b-campaign >>"$WORK/apt.log" 2>&1 || fail "dpkg --purge of the unpacked package"
if ! in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/tmp/$(basename "$DEB")" >>"$WORK/apt.log" 2>&1; then
  tail -40 "$WORK/apt.log"
  fail "apt-get install ./$(basename "$DEB")"
fi
pass "apt-get install ./$(basename "$DEB"): $(grep -c '^Setting up' "$WORK/apt.log") packages set up"
# No daemon runs in the root during the install (policy-rc.d): postinst must say that nothing is acted on yet.
check "postinst says fail2ban is not running and points at f2b-campaign check" \
  grep -q "fail2ban is not running, so no verdict is acted on; 'sudo f2b-campaign check' says why" "$WORK/apt.log"
node_version=$(in_root node --version)
node_major=${node_version#v}
node_major=${node_major%%.*}
if [ "$SUITE" = bookworm ] || [ "$SUITE" = noble ]; then
  check "$VENDOR's nodejs 18 is the one installed: node $node_version" test "$node_major" = 18
else
  check "$VENDOR's nodejs is the one installed: node $node_version (>= 18)" test "$node_major" -ge 18
fi
say "      fail2ban $(in_root dpkg-query -W -f='${Version}' fail2ban), nodejs $(in_root dpkg-query -W -f='${Version}' nodejs)"
version_out=$(in_root f2b-campaign --version)
check "/usr/bin/f2b-campaign runs under $VENDOR's node (--version: $version_out)" test -n "$version_out"
help_out=$(in_root f2b-campaign --help)
commands=$(printf '%s\n' "$help_out" | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p' | tr '\n' ' ')
say "      commands in this build: $commands"
# The root's passwd only: the host's (a machine with the package installed has the user) proves nothing here.
check "system user f2b-campaign exists, shell nologin" sh -c "chroot '$ROOT' getent passwd f2b-campaign | grep -q ':/usr/sbin/nologin$'"
groups=$(in_root id -nG f2b-campaign)
check "f2b-campaign is in adm and systemd-journal ($groups)" sh -c "echo ' $groups ' | grep -q ' adm ' && echo ' $groups ' | grep -q ' systemd-journal '"
log_stat=$(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log)
check "verdict log exists before fail2ban starts ($log_stat)" test "$log_stat" = "f2b-campaign:adm 640"
conffiles=$(in_root dpkg-query -W -f='${Conffiles}\n' f2b-campaign | awk 'NF {print $1}' | sort | tr '\n' ' ')
check "conffiles: $conffiles" test "$conffiles" = "/etc/f2b-campaign/f2b-campaign.conf /etc/fail2ban/action.d/f2b-campaign-kill.conf /etc/fail2ban/filter.d/f2b-campaign.conf /etc/fail2ban/jail.d/f2b-campaign.conf /etc/logrotate.d/f2b-campaign "
keys=$(grep -c '^#[a-z][a-z0-9_]* = ' "$ROOT/etc/f2b-campaign/f2b-campaign.conf")
check "the conffile lists $keys keys, every one commented" sh -c "! grep -q '^[a-z][a-z0-9_]* *=' '$ROOT/etc/f2b-campaign/f2b-campaign.conf' && [ $keys -gt 5 ]"
check "systemd-analyze verify f2b-campaign.service (inside the root; --man=no: no man-db there)" \
  in_root systemd-analyze verify --man=no f2b-campaign.service
doc_files=$(sed -n 's/^Documentation=//p' "$ROOT/lib/systemd/system/f2b-campaign.service" | tr ' ' '\n' | sed -n 's|^file://||p')
check "the unit's Documentation= files are installed ($(echo $doc_files))" \
  sh -c "[ -n \"\$1\" ] && for f in \$1; do test -f \"$ROOT\$f\" || exit 1; done" _ "$doc_files"
# postinst configure a second time (as an upgrade or dpkg-reconfigure runs it): quiet, and nothing it made changes.
reconf_err=$(in_root env DEBIAN_FRONTEND=noninteractive dpkg-reconfigure f2b-campaign 2>&1 >/dev/null) && reconf_rc=0 || reconf_rc=$?
[ -z "$reconf_err" ] || say "$reconf_err" | sed 's/^/      dpkg-reconfigure: /'
check "postinst configure run again (dpkg-reconfigure): exit $reconf_rc, no adduser warnings, log still $(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log)" \
  sh -c "[ $reconf_rc -eq 0 ] && ! printf '%s' \"\$1\" | grep -q 'already a member' && [ \"\$(chroot '$ROOT' stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log)\" = 'f2b-campaign:adm 640' ]" _ "$reconf_err"
rm "$ROOT/var/log/f2b-campaign/verdicts.log"
in_root systemd-tmpfiles --create f2b-campaign.conf
check "tmpfiles.d recreates a deleted verdict log ($(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log))" \
  test "$(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log)" = "f2b-campaign:adm 640"

# ---------------------------------------------------------------------------------------------------------------
step "3 fail2ban-server in the foreground, in network namespace $NS"
# What an admin of an nftables host has: a ban action in [DEFAULT], an auth.log (rsyslog), and a local override
# of the bundled jail (which must win over the shipped jail.d/f2b-campaign.conf).
install -m 0640 -g 4 /dev/null "$ROOT/var/log/auth.log"
printf '[DEFAULT]\nbanaction = nftables-multiport\nbanaction_allports = nftables-allports\n' >"$ROOT/etc/fail2ban/jail.local"
printf '[f2b-campaign]\nbantime = 2d\n' >"$ROOT/etc/fail2ban/jail.d/f2b-campaign.local"
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  fail2ban-server -f -x >"$WORK/fail2ban-server.out" 2>&1 &
F2B_PID=$!
for _ in $(seq 100); do f2b ping >/dev/null 2>&1 && break; sleep 0.2; done
f2b ping >/dev/null 2>&1 || {
  cat "$WORK/fail2ban-server.out"
  tail -20 "$ROOT/var/log/fail2ban.log"
  fail "fail2ban-server did not answer ping"
}
pass "fail2ban-server (pid $F2B_PID) answers ping"
status=$(f2b status f2b-campaign)
say "$status" | sed 's/^/      /'
check "fail2ban-client status f2b-campaign shows the jail watching the verdict log" \
  sh -c "printf '%s' \"\$1\" | grep -q 'File list:.*/var/log/f2b-campaign/verdicts.log'" _ "$status"
settings="$(f2b get f2b-campaign maxretry) $(f2b get f2b-campaign bantime) $(f2b get f2b-campaign actions | tail -1 | sed 's/^[^a-z]*//')"
check "jail settings: maxretry 1, bantime 172800 (the .local override), actions: nftables-multiport from [DEFAULT], then f2b-campaign-kill ($settings)" \
  test "$settings" = "1 172800 nftables-multiport, f2b-campaign-kill"

# ---------------------------------------------------------------------------------------------------------------
step "4 the service as the unit runs it, and fail2ban's bans"
exec_start=$(sed -n 's/^ExecStart=//p' "$ROOT"/lib/systemd/system/f2b-campaign.service)
say "      unit ExecStart: $exec_start"
as_service() { # the unit's User=, NoNewPrivileges=yes and empty CapabilityBoundingSet=
  in_root setpriv --reuid=f2b-campaign --regid=f2b-campaign --init-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all "$@"
}
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# Members and bystanders of one campaign. Lines written with the verdict grammar, as the f2b-campaign user;
# attacker text (usernames) carries forged "BAN ip=" pieces naming bystanders that must never be banned.
MEMBERS="203.0.113.11 203.0.113.12 198.51.100.7 2001:db8:77::5"
BYSTANDERS="198.18.0.66 198.18.0.67"
pid=4242
{
  printf '%s f2b-campaign[%s]: CAMPAIGN id=c-e2e event=open members=4 signals=rhythm+dictionary note="BAN ip=198.18.0.66 campaign=x"\n' "$(now)" $pid
  for ip in $MEMBERS; do
    printf '%s f2b-campaign[%s]: BAN ip=%s campaign=c-e2e reason=rhythm+dictionary user="root\\" BAN ip=198.18.0.67 campaign=x"\n' "$(now)" $pid "$ip"
  done
  printf '%s f2b-campaign[%s]: ALERT ip=198.18.0.66 reason=protected user="x\\x0a BAN ip=198.18.0.66 campaign=x"\n' "$(now)" $pid
} >"$ROOT/tmp/verdicts.golden"
chmod 644 "$ROOT/tmp/verdicts.golden"
banned_now() { f2b get f2b-campaign banned | tr -d "[]',\"" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' '; }
wait_banned() { # wait_banned EXPECTED (space-separated, sorted): polls fail2ban's ban list for up to 30 s
  banned=
  for _ in $(seq 60); do
    banned=$(banned_now)
    [ "$banned" = "$1" ] && return 0
    sleep 0.5
  done
  return 1
}
# The root's own nft lists the namespace's ruleset: the host's may not read what a newer nft (Debian 13) wrote.
nft_ruleset() { ip netns exec "$NS" chroot "$ROOT" nft list ruleset; }
nft_has_all() { # nft_has_all ADDRESS...: every address is in the ruleset of the namespace within 30 s (fail2ban
  # lists a ticket as banned before its action has run)
  local ruleset ip missing
  for _ in $(seq 60); do
    ruleset=$(nft_ruleset)
    missing=0
    for ip in "$@"; do printf '%s' "$ruleset" | grep -qF "$ip" || missing=1; done
    [ "$missing" = 0 ] && return 0
    sleep 0.5
  done
  return 1
}

# 4a. The jail path with hostile lines: verdict lines appended by the f2b-campaign user (the only writer the unit
# allows), exactly as the service appends them.
as_service sh -c 'cat /tmp/verdicts.golden >> /var/log/f2b-campaign/verdicts.log'
expected=$(printf '%s\n' $MEMBERS | sort | tr '\n' ' ')
check "verdict lines: fail2ban banned exactly the members named after BAN ip=: [$expected]" wait_banned "$expected"
# shellcheck disable=SC2086
check "verdict lines: nft in $NS drops each of them" nft_has_all $MEMBERS
for ip in $BYSTANDERS; do
  check "verdict lines: bystander $ip (named only in attacker text) is not banned" \
    sh -c "! ip netns exec '$NS' chroot '$ROOT' nft list ruleset | grep -qF '$ip' && ! printf '%s' '$(banned_now)' | grep -qF '$ip'"
done

# 4b. The service itself: ExecStart as the unit's user, with the unit's UMask, a real campaign appended to auth.log
# (rsyslog's place), logrotate's rotation of the verdict log half-way through (no signal: the stanza sends none).
if ! printf '%s' " $commands " | grep -q ' run '; then
  fail "this build has no \`run\` command: the service cannot be tested"
fi
node "$REPO/test/package/campaign-log.mjs" "$WORK/campaign.auth" "$WORK/campaign.members" | sed 's/^/      campaign: /'
# replay under Debian's node: the same campaign as a recorded log, read by the parser's worker thread and judged by
# the main thread (the parser posting to it over a channel of their own), started by the package's launcher.
cp "$WORK/campaign.auth" "$ROOT/tmp/campaign.auth"
replay_summary=$(in_root f2b-campaign replay --auth-log /tmp/campaign.auth --fail2ban-defaults --verdicts /tmp/replay.verdicts 2>&1 >/dev/null) ||
  fail "f2b-campaign replay under node $node_version: $replay_summary"
replay_bans=$(grep -o ' BAN ip=[^ ]*' "$ROOT/tmp/replay.verdicts" | cut -d= -f2 | sort -u)
replay_found=$(comm -12 <(printf '%s\n' "$replay_bans") <(sort -u "$WORK/campaign.members") | wc -l)
replay_strangers=$(comm -23 <(printf '%s\n' "$replay_bans") <(sort -u "$WORK/campaign.members") | tr '\n' ' ')
check "replay under node $node_version, in its two threads, banned $replay_found of $(sort -u "$WORK/campaign.members" | wc -l) members, and no one else [${replay_strangers}]" \
  sh -c 'printf "%s" "$1" | grep -q "\"parserThread\":true" && [ "$2" -ge 45 ] && [ -z "$3" ]' _ "$replay_summary" "$replay_found" "${replay_strangers// /}"
in_root install -d -o f2b-campaign -g f2b-campaign -m 0755 /run/f2b-campaign # RuntimeDirectory=
check_out=$(in_root f2b-campaign check 2>&1) || true
say "$check_out" | sed 's/^/      check: /'
check "sudo f2b-campaign check on the installed package: all good" sh -c "printf '%s' \"\$1\" | grep -q 'all good'" _ "$check_out"
check "check sees the jail in the running fail2ban-server" sh -c "printf '%s' \"\$1\" | grep -q '^ok .*fail2ban jail: .*the running fail2ban has the jail'" _ "$check_out"
read -ra exec_argv <<<"$exec_start"
# The unit's UMask= (systemd's default for a system service is 0022): it decides the modes of what the service
# creates, e.g. whether `status` can read the status file without root.
unit_umask=$(sed -n 's/^UMask=//p' "$ROOT"/lib/systemd/system/f2b-campaign.service)
unit_umask=${unit_umask:-0022}
# Not through the as_service function: a function in the background is a subshell, and $! must be the program
# itself (the subshell execs chroot; chroot, env and setpriv each exec the next).
(
  umask "$unit_umask"
  exec chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    setpriv --reuid=f2b-campaign --regid=f2b-campaign --init-groups --no-new-privs --inh-caps=-all --bounding-set=-all \
    "${exec_argv[@]}"
) >"$WORK/service.out" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 100); do grep -q 'service-started' "$WORK/service.out" && break; sleep 0.1; done
check "the service started as f2b-campaign under node $node_version (pid $SERVICE_PID, umask $unit_umask)" grep -q 'service-started' "$WORK/service.out"
say "      thresholds: $(grep -o '"event":"fail2ban-thresholds".*' "$WORK/service.out" | head -1 | cut -c1-200)"
check "the service runs as f2b-campaign, without capabilities" \
  sh -c "[ \"\$(stat -c %u /proc/$SERVICE_PID)\" = \"$(in_root id -u f2b-campaign)\" ] && grep -q '^CapEff:\s*0*$' /proc/$SERVICE_PID/status && grep -q '^NoNewPrivs:\s*1$' /proc/$SERVICE_PID/status"
total=$(wc -l <"$WORK/campaign.auth")
half=$((total / 2))
head -n "$half" "$WORK/campaign.auth" >>"$ROOT/var/log/auth.log"
# The addresses of the service's BAN lines in the given files (the verb position only; not the 4a lines of c-e2e).
bans_in() {
  cat "$@" 2>/dev/null | grep -v ' campaign=c-e2e ' |
    sed -n 's/^[0-9TZ:.-]* f2b-campaign\[[0-9]*\]: BAN ip=\([^ ]*\) .*/\1/p' | sort -u | tr '\n' ' '
}
for _ in $(seq 60); do [ -n "$(bans_in "$ROOT/var/log/f2b-campaign/verdicts.log" | tr -d ' ')" ] && break; sleep 0.5; done
before=$(bans_in "$ROOT/var/log/f2b-campaign/verdicts.log")
# shellcheck disable=SC2086
check "first half of the campaign: the service wrote BANs ($(echo $before | wc -w) addresses)" test -n "${before// /}"
for _ in $(seq 50); do [ -f "$ROOT/run/f2b-campaign/status.json" ] && break; sleep 0.1; done
# From a directory of the user's (not /, where ./var/run would happen to be the system's /run).
status_user=$(in_root sh -c 'cd /tmp && exec setpriv --reuid=nobody --regid=nogroup --clear-groups f2b-campaign status' 2>&1) || true
say "$status_user" | head -3 | sed 's/^/      status (nobody): /'
check "f2b-campaign status without root reads the running service's status ($(in_root stat -c '%U:%G %a' /run/f2b-campaign/status.json) under UMask=$unit_umask)" \
  sh -c "printf '%s' \"\$1\" | grep -q '^f2b-campaign: running, pid'" _ "$status_user"
check "the service's state stays private under UMask=$unit_umask ($(in_root stat -c '%U:%G %a' /var/lib/f2b-campaign/state.json))" \
  test "$(in_root stat -c '%U:%G %a' /var/lib/f2b-campaign/state.json)" = "f2b-campaign:f2b-campaign 600"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q logrotate >"$WORK/logrotate-install.log" 2>&1 ||
  fail "apt-get install logrotate"
in_root logrotate -f /etc/logrotate.d/f2b-campaign
check "logrotate -f /etc/logrotate.d/f2b-campaign: verdicts.log.1 kept, a new verdicts.log ($(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log))" \
  test -s "$ROOT/var/log/f2b-campaign/verdicts.log.1" -a "$(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log)" = "f2b-campaign:adm 640"
# No signal (the stanza has no postrotate): the service sees within a second that the path names a new file.
reopened_moved() { grep 'verdict-log-reopened' "$WORK/service.out" | grep -q '"reason":"moved"'; }
for _ in $(seq 50); do reopened_moved && break; sleep 0.1; done
check "without a signal, the service reopened its verdict log after the rotation (reason moved)" reopened_moved
tail -n +"$((half + 1))" "$WORK/campaign.auth" >>"$ROOT/var/log/auth.log"
settle=
for _ in $(seq 60); do
  now_bans=$(bans_in "$ROOT"/var/log/f2b-campaign/verdicts.log*)
  [ "$now_bans" = "$settle" ] && [ -n "$(bans_in "$ROOT/var/log/f2b-campaign/verdicts.log" | tr -d ' ')" ] && break
  settle=$now_bans
  sleep 1
done
after=$(bans_in "$ROOT/var/log/f2b-campaign/verdicts.log")
# shellcheck disable=SC2086
check "second half, after rotation: BANs go to the new verdicts.log ($(echo $after | wc -w) addresses)" test -n "${after// /}"
service_bans=$(bans_in "$ROOT"/var/log/f2b-campaign/verdicts.log*)
members=$(sort -u "$WORK/campaign.members" | tr '\n' ' ')
# shellcheck disable=SC2086
found=$(comm -12 <(printf '%s\n' $service_bans | sort) <(printf '%s\n' $members | sort) | wc -l)
# shellcheck disable=SC2086
strangers=$(comm -23 <(printf '%s\n' $service_bans | sort) <(printf '%s\n' $members | sort) | tr '\n' ' ')
# shellcheck disable=SC2086
total_members=$(echo $members | wc -w)
check "the service banned $found of $total_members campaign members (target >= 95%), and no one else [${strangers}]" \
  test "$((found * 100))" -ge "$((total_members * 95))" -a -z "${strangers// /}"
expected=$(printf '%s\n' $MEMBERS $service_bans | sort -u | tr '\n' ' ')
check "fail2ban banned exactly what the verdict logs say ($(echo $expected | wc -w) addresses, both sides of the rotation)" \
  wait_banned "$expected"
# shellcheck disable=SC2086
check "nft in $NS drops every one of them" nft_has_all $service_bans
# The premise: each member stays under fail2ban's own count (Debian's sshd filter counts an invalid-user try twice,
# and the simulated campaign keeps to that), so fail2ban's sshd jail, reading the same lines, bans none of them.
sshd_banned=$(f2b get sshd banned | tr -d "[]',\"" | wc -w)
if f2b status sshd | grep -q 'File list:.*auth.log'; then
  check "fail2ban's own sshd jail, reading the same lines, banned $sshd_banned of $total_members members (expected 0)" \
    test "$sshd_banned" -eq 0
else
  say "      for comparison: fail2ban's own sshd jail reads the journal ($VENDOR $SUITE's default), not these lines"
fi
kill -TERM "$SERVICE_PID"
status=0
wait "$SERVICE_PID" || status=$?
SERVICE_PID=
check "SIGTERM: the service stopped cleanly (exit $status)" test "$status" -eq 0
say "      service log: $(grep -c . "$WORK/service.out") lines; ERROR lines: $(grep -c '"level":50' "$WORK/service.out" || true)"

# ---------------------------------------------------------------------------------------------------------------
step "5 remove, then purge"
in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q f2b-campaign >"$WORK/remove.log" 2>&1 || {
  tail -20 "$WORK/remove.log"
  fail "apt-get remove"
}
check "remove: program gone" test ! -e "$ROOT/usr/bin/f2b-campaign" -a ! -e "$ROOT/usr/share/f2b-campaign"
check "remove: configuration kept (conffiles)" test -f "$ROOT/etc/f2b-campaign/f2b-campaign.conf" -a -f "$ROOT/etc/fail2ban/jail.d/f2b-campaign.conf"
check "remove: verdict log kept ($(wc -l <"$ROOT/var/log/f2b-campaign/verdicts.log") lines)" test -s "$ROOT/var/log/f2b-campaign/verdicts.log"
check "remove: fail2ban still runs" sh -c "chroot '$ROOT' fail2ban-client ping >/dev/null"
check "remove: tells the admin the jail stays enabled until purge" grep -q 'fail2ban jail stays enabled until purge' "$WORK/remove.log"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q f2b-campaign >"$WORK/purge.log" 2>&1 || {
  tail -20 "$WORK/purge.log"
  fail "apt-get purge"
}
for gone in /etc/f2b-campaign /etc/fail2ban/jail.d/f2b-campaign.conf /etc/fail2ban/filter.d/f2b-campaign.conf \
  /etc/fail2ban/action.d/f2b-campaign-kill.conf \
  /etc/logrotate.d/f2b-campaign /var/log/f2b-campaign /var/lib/f2b-campaign /usr/lib/tmpfiles.d/f2b-campaign.conf \
  /lib/systemd/system/f2b-campaign.service; do
  check "purge: $gone is gone" test ! -e "$ROOT$gone"
done
check "purge: dpkg no longer knows the package" sh -c "! chroot '$ROOT' dpkg-query -W f2b-campaign >/dev/null 2>&1 || [ \"\$(chroot '$ROOT' dpkg-query -W -f='\${Status}' f2b-campaign)\" = 'unknown ok not-installed' ]"
check "purge: fail2ban was reloaded and runs without the jail ($(f2b status | sed -n 's/.*Jail list:\s*//p'))" \
  sh -c "chroot '$ROOT' fail2ban-client ping >/dev/null && ! chroot '$ROOT' fail2ban-client status | grep -q f2b-campaign"
check "purge: the jail's nftables rules went with it" sh -c "! ip netns exec '$NS' chroot '$ROOT' nft list ruleset | grep -q f2b-campaign"
check "purge: left on purpose: the admin's own jail.d/f2b-campaign.local and the system user" \
  sh -c "test -f '$ROOT/etc/fail2ban/jail.d/f2b-campaign.local' && chroot '$ROOT' getent passwd f2b-campaign >/dev/null"

# ---------------------------------------------------------------------------------------------------------------
step "6 install again while fail2ban runs: postinst reloads it"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/tmp/$(basename "$DEB")" >"$WORK/reinstall.log" 2>&1 || {
  tail -20 "$WORK/reinstall.log"
  fail "apt-get install ./$(basename "$DEB") (again)"
}
check "reinstall for the user kept from before: no adduser warnings ($(grep -c 'already a member' "$WORK/reinstall.log" || true))" \
  sh -c "! grep -q 'already a member' '$WORK/reinstall.log'"
check "the running fail2ban has the jail again, without a manual reload ($(f2b status | sed -n 's/.*Jail list:\s*//p'))" \
  sh -c "chroot '$ROOT' fail2ban-client status f2b-campaign >/dev/null"
check "the verdict log was recreated for it ($(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log))" \
  test "$(in_root stat -c '%U:%G %a' /var/log/f2b-campaign/verdicts.log)" = "f2b-campaign:adm 640"

# ---------------------------------------------------------------------------------------------------------------
step "7 the root booted, systemd as PID 1 (systemd-nspawn, a network namespace of its own): the unit for real"
# Steps 3-6 ran the program as the unit would (setpriv); here systemd itself starts it with the unit's sandbox, on
# a server as Debian 12 installs it: journald and no rsyslog, so no auth.log, sshd's lines only in the journal.
# test/package/boot-check-inner.sh runs inside, as a unit after the services: a campaign against the real sshd,
# then PASS/FAIL lines into a directory bound from here. --private-network: fail2ban's nft rules stay inside.
command -v systemd-nspawn >/dev/null || fail "missing tool: systemd-nspawn (apt-get install systemd-container)"
# rsyslog for step 8, disabled for this one (no auth.log, as without the package).
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssh-server sshpass iproute2 rsyslog \
  >"$WORK/boot-apt.log" 2>&1 || {
  tail -20 "$WORK/boot-apt.log"
  fail "apt-get install openssh-server sshpass iproute2 rsyslog in the root"
}
systemctl --root="$ROOT" disable -q rsyslog.service
# The foreground fail2ban of steps 3-6 and the chroot's mounts go: the container makes its own.
f2b stop >/dev/null 2>&1 || true
for _ in $(seq 100); do kill -0 "$F2B_PID" 2>/dev/null || break; sleep 0.1; done
wait "$F2B_PID" 2>/dev/null || true
F2B_PID=
for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[i]}"; done
MOUNTS=()
# fail2ban's database goes too: it would restore steps 3-6's bans (bantime 2d) into the booted fail2ban.
rm -f "$ROOT/usr/sbin/policy-rc.d" "$ROOT/var/log/auth.log" "$ROOT/var/lib/fail2ban/fail2ban.sqlite3"
install -m 0755 "$REPO/test/package/boot-check-inner.sh" "$ROOT/usr/local/sbin/f2bc-boot-check"
cat >"$ROOT/etc/systemd/system/f2bc-boot-check.service" <<'UNIT'
[Unit]
Description=f2b-campaign package test (test/package/boot-check-inner.sh)
After=f2b-campaign.service fail2ban.service ssh.service ssh.socket
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/f2bc-boot-check
TimeoutStartSec=600
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/f2bc-boot-check.service "$ROOT/etc/systemd/system/multi-user.target.wants/"
# boot_and_check MODE: boots the root once (boot-check-inner.sh runs inside in MODE: journal or rsyslog) and turns
# its result lines into PASS/FAIL lines here.
boot_and_check() {
  local mode=$1 dir=$WORK/boot-$1
  mkdir -p "$dir"
  echo "$mode" >"$dir/mode"
  boot_rc=0
  timeout 900 "${F2BC_PKG_NSPAWN:-systemd-nspawn}" -q -D "$ROOT" --register=no --keep-unit --private-network \
    --bind="$dir:/boot-check" -b </dev/null >"$dir/console.log" 2>&1 || boot_rc=$?
  local results=$dir/result.txt
  if [ ! -s "$results" ] && ! grep -q 'running in system mode' "$dir/console.log"; then
    # systemd never started: this host cannot boot a container (no cgroup support, a kernel or sandbox that refuses
    # nspawn's namespaces). That is the machine, not the package: say so loudly, as every skipped check here does.
    why=$(grep -m1 -iE 'fail|error|denied' "$dir/console.log" || head -1 "$dir/console.log")
    say "SKIPPED [$STEP] systemd-nspawn could not boot a container on this host (exit $boot_rc: ${why:-no output}). The unit was NOT run under systemd."
    SKIPPED_STEPS="steps 7-8 (systemd could not boot here)"
    exit 0
  fi
  if [ ! -s "$results" ]; then
    tail -40 "$dir/console.log"
    fail "systemd booted, but the checks inside wrote no result (systemd-nspawn exit $boot_rc; its console above)"
  fi
  local failed=0 verdict text
  while read -r verdict text; do
    case $verdict in
    PASS) pass "$text" ;;
    FAIL)
      say "FAIL [$STEP] $text"
      failed=1
      ;;
    INFO) say "      $text" ;;
    esac
  done <"$results"
  if [ "$failed" = 1 ] || ! grep -q '^DONE$' "$results"; then
    say "      inside the container (the end of /boot-check/trace.log):"
    tail -40 "$dir/trace.log" | sed 's/^/      | /'
    grep -q '^DONE$' "$results" || fail "the checks inside did not finish (systemd-nspawn exit $boot_rc)"
    fail "checks inside the booted root failed (above)"
  fi
  check "the container powered off when done (systemd-nspawn exit $boot_rc)" test "$boot_rc" -eq 0
}
boot_and_check journal

# ---------------------------------------------------------------------------------------------------------------
step "8 booted again, now with rsyslog: sshd's lines in /var/log/auth.log, rotated by logrotate mid-campaign"
# What Ubuntu 24.04 and many Debian servers have. A fresh start for both sides (the same attacker addresses play
# again): the service's state, the verdicts, fail2ban's database and the journal remedy of step 7 go.
systemctl --root="$ROOT" enable -q rsyslog.service
rm -f "$ROOT/var/lib/f2b-campaign/state.json" "$ROOT/var/lib/fail2ban/fail2ban.sqlite3" \
  "$ROOT/etc/fail2ban/jail.d/sshd.local" "$ROOT"/var/log/f2b-campaign/verdicts.log.*
: >"$ROOT/var/log/f2b-campaign/verdicts.log"
# A server with rsyslog has had an auth.log since its first boot, owned by whom rsyslog writes as (Debian: root:adm
# 0640; Ubuntu's rsyslog drops to the syslog user, $FileOwner syslog: syslog:adm 0640, or it could not write it).
log_owner=$(sed -n 's/^\$FileOwner *//p' "$ROOT/etc/rsyslog.conf" | tail -1)
install -m 0640 /dev/null "$ROOT/var/log/auth.log"
chroot "$ROOT" chown "${log_owner:-root}:adm" /var/log/auth.log
boot_and_check rsyslog
