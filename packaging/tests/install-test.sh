#!/usr/bin/env bash
# The package's life on a gateway: a fresh Debian 12 root (debootstrap'd bookworm plus
# systemd) booted with systemd as PID 1 in a container; packaging/tests/run execs this
# script in it as root.
#   install with apt (the postinst starts vmuc.service) -> version, check-config,
#   systemd-analyze verify -> the service is active only after READY, answers gRPC health,
#   publishes readings, logs to the journal with priorities -> a killed supervisor is
#   restarted (Restart=on-failure), a hung one by the watchdog -> edit the config,
#   upgrade to N+1 -> the edit and the data are kept, the meters restored -> remove keeps
#   config and data -> purge leaves nothing behind.
#
#   install-test.sh DEB
set -euo pipefail
deb=$1
export DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER=

step() { echo "== install-test: $*"; }
fail() {
  echo "FAIL install-test: $*" >&2
  journalctl -u vmuc -o short-monotonic --no-pager 2>/dev/null | tail -40 >&2 || true
  exit 1
}
property() { systemctl show vmuc -p "$1" --value; }
# grep -q would stop reading at the first match and, under pipefail, fail the pipeline
# with the writer's SIGPIPE.
contains() { grep "$@" > /dev/null; }

# Waits until vmuc.service is active with a main pid; sets broker_port from its journal.
wait_active() {
  for _ in $(seq 1 60); do
    [ "$(property ActiveState)" = active ] && [ "$(property MainPID)" != 0 ] && break
    sleep 1
  done
  [ "$(property ActiveState)" = active ] || fail "vmuc.service not active: $(property ActiveState)"
  # The notice is printed after READY=1; give it a moment to reach the journal.
  for _ in $(seq 1 10); do
    journalctl -u vmuc -o cat --no-pager _PID="$(property MainPID)" | contains "^vmuc is up" && break
    sleep 0.5
  done
  broker_port=$(journalctl -u vmuc -o cat --no-pager _PID="$(property MainPID)" |
                  sed -n 's/.*mosquitto_sub -h 127.0.0.1 -p \([0-9]*\).*/\1/p' | tail -1)
  [ -n "$broker_port" ] || fail "no 'vmuc is up' notice from pid $(property MainPID)"
}

# One readings message of `gateway` on the broker within 60 s.
expect_readings() {
  local gateway=$1 message
  message=$(mosquitto_sub -h 127.0.0.1 -p "$broker_port" -t "vmuc/$gateway/+/readings" \
              -C 1 -W 60 -v) || fail "no readings of $gateway in 60 s"
  echo "$message" | contains "^vmuc/$gateway/57[0-9]\{14\}/readings {\"gateway\":\"$gateway\"" ||
    fail "unexpected message: $message"
}

# Waits until NRestarts exceeds $1 and the service is active again.
wait_restarted_after() {
  for _ in $(seq 1 90); do
    [ "$(property NRestarts)" -gt "$1" ] && [ "$(property ActiveState)" = active ] && return 0
    sleep 1
  done
  fail "not restarted (NRestarts $(property NRestarts), $(property ActiveState))"
}

stop_clean() {
  systemctl stop vmuc
  [ "$(property ExecMainStatus)" = 0 ] || fail "vmuc exited $(property ExecMainStatus) on stop"
  if pgrep -u vmuc >/dev/null; then fail "left after stop: $(pgrep -a -u vmuc)"; fi
}

step "install $deb with apt (dependencies from the archive)"
apt-get update -qq
apt-get install -y -qq "$deb" mosquitto-clients procps sqlite3 > /tmp/apt-install.log ||
  { cat /tmp/apt-install.log; fail "apt-get install"; }
version=$(dpkg-query -W -f='${Version}' vmuc)
vmuc --version | contains -x "vmuc ${version%%[-+]*}" || fail "vmuc --version: $(vmuc --version)"
vmucctl --version | contains -x "vmucctl ${version%%[-+]*}" || fail "vmucctl --version"
vmuc check-config /etc/vmuc/vmuc.toml
id vmuc >/dev/null || fail "no system user vmuc"
[ "$(stat -c %U:%a /var/lib/vmuc)" = "vmuc:750" ] || fail "/var/lib/vmuc: $(stat -c %U:%a /var/lib/vmuc)"
dpkg-query -W -f='${Conffiles}\n' vmuc | contains '/etc/vmuc/vmuc.toml' || fail "vmuc.toml is not a conffile"
for page in vmuc.1 vmucctl.1 vmuc.toml.5; do
  [ -f "/usr/share/man/man${page##*.}/$page.gz" ] || fail "man page $page missing"
done
[ -f /usr/share/bash-completion/completions/vmucctl ] || fail "no vmucctl completion"

step "systemd-analyze verify; the postinst enabled and started the service"
# --man=no: the root has no man-db; the Documentation= pages are checked above.
systemd-analyze verify --man=no /lib/systemd/system/vmuc.service
[ "$(systemctl is-enabled vmuc)" = enabled ] || fail "vmuc.service not enabled"
wait_active
[ "$(property Type)" = notify ] && [ "$(property WatchdogUSec)" = 30s ] || fail "unit properties"
# Type=notify: active means vmuc said READY=1, which it says once the API listens.
[ "$(vmucctl health)" = SERVING ] || fail "vmucctl health: $(vmucctl health 2>&1)"
[ "$(property StatusText)" = "100 meters, gRPC on 127.0.0.1:50051" ] || fail "status: $(property StatusText)"
expect_readings gw1
[ "$(ps -o user= -p "$(property MainPID)")" = vmuc ] || fail "not running as vmuc"

# The hardening as systemd scores it (0 = best, 10 = none); 1.7 when this was written.
systemd-analyze security --threshold=20 --no-pager vmuc > /tmp/security.txt ||
  { cat /tmp/security.txt; fail "exposure above 2.0"; }
tail -1 /tmp/security.txt

step "journal: syslog priorities, no second time stamp"
journalctl -u vmuc -o cat -p info --no-pager > /tmp/journal-info.txt
line=$(grep -m1 "vmuc-gateway\[[0-9]*\] info gRPC API on" /tmp/journal-info.txt) ||
  fail "no gRPC line at priority info"
journalctl -u vmuc -o cat -p warning --no-pager | contains "info gRPC API on" &&
  fail "an info line is filed as a warning"
[[ "$line" == vmuc-gateway* ]] || fail "journal line carries its own prefix: $line"

step "Restart=on-failure: SIGKILL of the supervisor"
restarts=$(property NRestarts)
kill -KILL "$(property MainPID)"
wait_restarted_after "$restarts"
wait_active
[ "$(vmucctl health)" = SERVING ] || fail "not serving after the restart"

step "the watchdog restarts a hung supervisor (WatchdogSec=4s in a drop-in)"
mkdir -p /etc/systemd/system/vmuc.service.d
# TimeoutStopSec: systemd in a container on cgroup v1 does not learn that the killed
# children are gone and waits out the stop timeout.
printf '[Service]\nWatchdogSec=4s\nTimeoutAbortSec=3s\nTimeoutStopSec=5s\n' \
  > /etc/systemd/system/vmuc.service.d/test.conf
systemctl daemon-reload
systemctl restart vmuc
wait_active
sleep 6  # alive: the keep-alives arrive every 2 s, so no restart
restarts=$(property NRestarts)
[ "$restarts" = 0 ] || fail "restarted although it fed the watchdog"
kill -STOP "$(property MainPID)"
wait_restarted_after "$restarts"
journalctl -u vmuc -o cat --no-pager | contains "Watchdog timeout" || fail "no watchdog timeout logged"
rm -r /etc/systemd/system/vmuc.service.d
systemctl daemon-reload
systemctl restart vmuc
wait_active
stop_clean
for file in vmuc.db meters.db; do
  [ -s "/var/lib/vmuc/$file" ] || fail "/var/lib/vmuc/$file missing after a run"
done
stored() { sqlite3 -readonly /var/lib/vmuc/vmuc.db "$1"; }
readings_before=$(stored "SELECT count(*) FROM register_readings")
last_before=$(stored "SELECT max(captured_at_us) FROM register_readings")
[ "$readings_before" -gt 0 ] || fail "no readings stored"

step "edit the config, upgrade to N+1"
sed -i 's/^name = "gw1"/name = "gw-edited"/' /etc/vmuc/vmuc.toml
grep -q '^name = "gw-edited"' /etc/vmuc/vmuc.toml || fail "config edit did not take"
# N+1: the same files under a higher version, as the next release would ship them.
rm -rf /tmp/next && dpkg-deb -R "$deb" /tmp/next
next_version="${version}+next1"
sed -i "s/^Version: .*/Version: $next_version/" /tmp/next/DEBIAN/control
dpkg-deb -b /tmp/next /tmp/vmuc_next.deb > /dev/null
upgrade_started=$(date +%s)
sleep 1  # journalctl --since has whole seconds
apt-get install -y -qq /tmp/vmuc_next.deb > /tmp/apt-upgrade.log || { cat /tmp/apt-upgrade.log; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' vmuc)" = "$next_version" ] || fail "not upgraded"
grep -q '^name = "gw-edited"' /etc/vmuc/vmuc.toml || fail "the upgrade lost the config edit"
# The postinst started the enabled service again: it found every meter in meters.db, and
# every reading stored before the upgrade is still in vmuc.db.
wait_active
journalctl -u vmuc -o cat --no-pager --since "@$upgrade_started" |
  contains "100 of 100 meters restored from /var/lib/vmuc/meters.db" ||
  fail "meters not restored after the upgrade"
[ "$(stored "SELECT count(*) FROM register_readings WHERE captured_at_us <= $last_before")" = \
  "$readings_before" ] || fail "the upgrade lost stored readings"
expect_readings gw-edited

step "remove keeps config and data"
apt-get remove -y -qq vmuc > /dev/null
[ "$(systemctl is-active vmuc)" != active ] || fail "still running after remove"
if pgrep -u vmuc >/dev/null; then fail "left after remove: $(pgrep -a -u vmuc)"; fi
[ -f /etc/vmuc/vmuc.toml ] || fail "remove deleted the config"
grep -q '^name = "gw-edited"' /etc/vmuc/vmuc.toml || fail "remove changed the config"
[ -s /var/lib/vmuc/meters.db ] || fail "remove deleted the data"
[ ! -e /usr/bin/vmuc ] || fail "remove left /usr/bin/vmuc"

step "purge leaves nothing behind"
apt-get purge -y -qq vmuc > /dev/null
dpkg-query -W -f='${Status}' vmuc 2>/dev/null | contains installed && fail "still installed"
left=$(find / -xdev \( -path /proc -o -path /sys -o -path /tmp -o -path /deb -o -path /tests \
                       -o -path /var/log/journal \) -prune -o -name '*vmuc*' -print)
[ -z "$left" ] || fail "purge left: $left"
echo "install-test: passed ($version -> $next_version)"
