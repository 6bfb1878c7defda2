#!/usr/bin/env bash
# The package's life on a gateway, in a fresh Debian 12 root (run by packaging/tests/run
# inside a container made from a debootstrap'd bookworm, as root):
#   install with apt -> version, check-config, systemd-analyze verify -> the gateway from
#   the packaged config answers gRPC health and publishes readings -> edit the config,
#   upgrade to N+1 -> the edit and the data are kept, the meters are restored -> remove
#   keeps config and data -> purge leaves nothing behind.
#
#   install-test.sh DEB
set -euo pipefail
deb=$1
export DEBIAN_FRONTEND=noninteractive

step() { echo "== install-test: $*"; }
fail() { echo "FAIL install-test: $*" >&2; exit 1; }

vmuc_pid=
# Starts the gateway as vmuc.service does (the service user, the packaged config, a
# RuntimeDirectory) and waits for it to say it is up; sets vmuc_pid and broker_port.
start_gateway() {
  install -d -o vmuc -g vmuc -m 0750 /run/vmuc  # systemd's RuntimeDirectory=vmuc
  : > /tmp/vmuc.log
  # setpriv execs vmuc itself (runuser would stay as a parent and turn SIGTERM into 143).
  (cd /var/lib/vmuc &&
     exec setpriv --reuid=vmuc --regid=vmuc --init-groups vmuc --config /etc/vmuc/vmuc.toml) \
    >> /tmp/vmuc.log 2>&1 &
  vmuc_pid=$!
  for _ in $(seq 1 60); do
    grep -q "^vmuc is up" /tmp/vmuc.log && break
    kill -0 "$vmuc_pid" 2>/dev/null || { cat /tmp/vmuc.log; fail "vmuc exited at start-up"; }
    sleep 1
  done
  grep -q "^vmuc is up" /tmp/vmuc.log || { cat /tmp/vmuc.log; fail "vmuc not up in 60 s"; }
  broker_port=$(sed -n 's/.*mosquitto_sub -h 127.0.0.1 -p \([0-9]*\).*/\1/p' /tmp/vmuc.log)
}

stop_gateway() {
  kill -TERM "$vmuc_pid"
  local status=0
  wait "$vmuc_pid" || status=$?
  [ "$status" -eq 0 ] || { cat /tmp/vmuc.log; fail "vmuc exited $status on SIGTERM"; }
  pgrep -u vmuc >/dev/null && fail "processes of user vmuc left after stop: $(pgrep -a -u vmuc)"
  return 0
}

# One readings message of `gateway` on the broker within 60 s.
expect_readings() {
  local gateway=$1 message
  message=$(mosquitto_sub -h 127.0.0.1 -p "$broker_port" -t "vmuc/$gateway/+/readings" \
              -C 1 -W 60 -v) || { cat /tmp/vmuc.log; fail "no readings of $gateway in 60 s"; }
  echo "$message" | grep -q "^vmuc/$gateway/57[0-9]\{14\}/readings {\"gateway\":\"$gateway\"" ||
    fail "unexpected message: $message"
}

step "install $deb with apt (dependencies from the archive)"
apt-get update -qq
apt-get install -y -qq "$deb" > /tmp/apt-install.log || { cat /tmp/apt-install.log; fail "apt-get install"; }
version=$(dpkg-query -W -f='${Version}' vmuc)
vmuc --version | grep -qx "vmuc ${version%%[-+]*}" || fail "vmuc --version: $(vmuc --version)"
vmucctl --version | grep -qx "vmucctl ${version%%[-+]*}" || fail "vmucctl --version"
vmuc check-config /etc/vmuc/vmuc.toml
id vmuc >/dev/null || fail "no system user vmuc"
[ "$(stat -c %U:%a /var/lib/vmuc)" = "vmuc:750" ] || fail "/var/lib/vmuc: $(stat -c %U:%a /var/lib/vmuc)"
dpkg-query -W -f='${Conffiles}\n' vmuc | grep -q '/etc/vmuc/vmuc.toml' || fail "vmuc.toml is not a conffile"
for page in vmuc.1 vmucctl.1 vmuc.toml.5; do
  [ -f "/usr/share/man/man${page##*.}/$page.gz" ] || fail "man page $page missing"
done
[ -f /usr/share/bash-completion/completions/vmucctl ] || fail "no vmucctl completion"

step "systemd-analyze verify vmuc.service"
apt-get install -y -qq --no-install-recommends systemd mosquitto-clients procps > /dev/null
# --man=no: the container has no man-db; the Documentation= pages are checked above.
systemd-analyze verify --man=no /lib/systemd/system/vmuc.service

step "the gateway from the packaged config: gRPC health and MQTT readings"
start_gateway
[ "$(vmucctl health)" = SERVING ] || fail "vmucctl health: $(vmucctl health 2>&1)"
expect_readings gw1
stop_gateway
for file in vmuc.db meters.db; do
  [ -s "/var/lib/vmuc/$file" ] || fail "/var/lib/vmuc/$file missing after a run"
done
data_sums=$(cd /var/lib/vmuc && md5sum vmuc.db meters.db)

step "edit the config, upgrade to N+1"
sed -i 's/^name = "gw1"/name = "gw-edited"/' /etc/vmuc/vmuc.toml
grep -q '^name = "gw-edited"' /etc/vmuc/vmuc.toml || fail "config edit did not take"
# N+1: the same files under a higher version, as the next release would ship them.
rm -rf /tmp/next && dpkg-deb -R "$deb" /tmp/next
next_version="${version}+next1"
sed -i "s/^Version: .*/Version: $next_version/" /tmp/next/DEBIAN/control
dpkg-deb -b /tmp/next /tmp/vmuc_next.deb > /dev/null
apt-get install -y -qq /tmp/vmuc_next.deb > /tmp/apt-upgrade.log || { cat /tmp/apt-upgrade.log; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' vmuc)" = "$next_version" ] || fail "not upgraded"
grep -q '^name = "gw-edited"' /etc/vmuc/vmuc.toml || fail "the upgrade lost the config edit"
[ "$(cd /var/lib/vmuc && md5sum vmuc.db meters.db)" = "$data_sums" ] || fail "the upgrade changed the data"
start_gateway
grep -q "100 of 100 meters restored from /var/lib/vmuc/meters.db" /tmp/vmuc.log ||
  { cat /tmp/vmuc.log; fail "meters not restored after the upgrade"; }
expect_readings gw-edited
stop_gateway

step "remove keeps config and data"
apt-get remove -y -qq vmuc > /dev/null
[ -f /etc/vmuc/vmuc.toml ] || fail "remove deleted the config"
grep -q '^name = "gw-edited"' /etc/vmuc/vmuc.toml || fail "remove changed the config"
[ -s /var/lib/vmuc/meters.db ] || fail "remove deleted the data"
[ ! -e /usr/bin/vmuc ] || fail "remove left /usr/bin/vmuc"

step "purge leaves nothing behind"
apt-get purge -y -qq vmuc > /dev/null
dpkg-query -W -f='${Status}' vmuc 2>/dev/null | grep -q installed && fail "still installed"
left=$(find / -xdev \( -path /proc -o -path /sys -o -path /tmp -o -path /deb -o -path /tests \) \
         -prune -o -name '*vmuc*' -print)
[ -z "$left" ] || fail "purge left: $left"
echo "install-test: passed ($version -> $next_version)"
