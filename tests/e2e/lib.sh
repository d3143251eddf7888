# Shared setup for the end-to-end tests: a real OpenSSH sshd as the target
# device and remgated in front of it, both on loopback ports of their own,
# with throwaway keys under one work directory that is removed at exit.
# Every process started here is recorded by PID and killed by PID.
#
# Environment: REMGATED, REMGATECTL (built binaries), set by meson.

set -u

WORK=$(mktemp -d "${TMPDIR:-/tmp}/remgate-e2e.XXXXXX")
PIDS=""
FAILED=0
TEST_NAME=$(basename "$0" .sh)
SSHD=${SSHD:-/usr/sbin/sshd}

log() { printf '# %s\n' "$*"; }

fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*"
	FAILED=1
	dump_logs
	exit 1
}

skip() {
	printf 'SKIP: %s: %s\n' "$TEST_NAME" "$*"
	exit 77
}

dump_logs() {
	# Warnings and errors first: CI shows only the head of a long failure.
	if [ -f "$WORK/gateway.log" ] && grep -q 'level=\(warn\|error\)' "$WORK/gateway.log"; then
		printf '# ---- gateway.log warnings and errors (first 20)\n'
		grep 'level=\(warn\|error\)' "$WORK/gateway.log" | head -n 20 | sed 's/^/# /'
	fi
	for f in "$WORK"/gateway.log "$WORK"/target.log; do
		[ -f "$f" ] || continue
		printf '# ---- %s (last 40 lines)\n' "$(basename "$f")"
		tail -n 40 "$f" | sed 's/^/# /'
	done
}

cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	done
	check_sanitizer_reports
	if [ "$FAILED" = 0 ] && [ -z "${KEEP_WORK:-}" ]; then
		rm -rf "$WORK"
	else
		printf '# work directory kept: %s\n' "$WORK"
	fi
}
trap cleanup EXIT

# Sanitizer reports go to the gateway log; any of them fails the test.
check_sanitizer_reports() {
	if [ -f "$WORK/gateway.log" ] && grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/gateway.log"; then
		printf 'FAIL: %s: sanitizer report in the gateway log\n' "$TEST_NAME"
		grep -E -A20 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/gateway.log" | head -60 | sed 's/^/# /'
		FAILED=1
		exit 1
	fi
}

[ -x "$SSHD" ] || skip "no OpenSSH server at $SSHD (apt-get install openssh-server)"
command -v ssh >/dev/null || skip "no OpenSSH client"
[ -n "${REMGATED:-}" ] && [ -x "$REMGATED" ] || skip "REMGATED is not set to the built remgated"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {	# PORT: wait (bounded) until something listens there
	for _ in $(seq 1 100); do
		if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Device sessions run as a dedicated account whose shell is /bin/sh and
# whose start-up files are the system's, so no one's own .bashrc (prompt,
# aliases, slow completions) changes what the tests see. As root it is made
# here if scripts/test has not made it yet; otherwise the invoking user.
DEVICE_ACCOUNT=remgate-e2e
ensure_device_account() {
	for _ in $(seq 1 20); do
		id "$DEVICE_ACCOUNT" >/dev/null 2>&1 && return 0
		useradd --system --create-home --home-dir "/var/lib/$DEVICE_ACCOUNT" --shell /bin/sh \
		    "$DEVICE_ACCOUNT" 2>/dev/null && usermod -p '*' "$DEVICE_ACCOUNT" && return 0
		sleep 0.2	# another test held /etc/passwd's lock
	done
	return 1
}
if [ "$(id -u)" = 0 ] && ensure_device_account; then
	TARGET_USER=$DEVICE_ACCOUNT
	chmod 711 "$WORK"	# the device account reaches its authorized_keys and DEVICE_DIR, nothing else
else
	TARGET_USER=$(id -un)
fi
# dev_own PATH...: files the test made on the device's side become the device account's.
dev_own() { [ "$TARGET_USER" = "$(id -un)" ] || chown -R "$TARGET_USER" "$@"; }
# A directory the device account may write to (uploads land here).
DEVICE_DIR=$WORK/device
mkdir -p "$DEVICE_DIR"
dev_own "$DEVICE_DIR"
TARGET_PORT=$(free_port)
GW_PORT=$(free_port)
CONFIG=$WORK/remgate.yaml

# A throwaway sshd playing the customer device.
start_target() {
	mkdir -p /run/sshd 2>/dev/null || true
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/target_host_ed25519" -C target || fail "ssh-keygen"
	: >"$WORK/target_authorized_keys"
	chmod 644 "$WORK/target_authorized_keys"	# public keys, read as the device account
	cat >"$WORK/sshd_config" <<CFG
ListenAddress 127.0.0.1:$TARGET_PORT
HostKey $WORK/target_host_ed25519
AuthorizedKeysFile $WORK/target_authorized_keys
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AcceptEnv LANG LC_* FOO
Subsystem sftp internal-sftp
LogLevel VERBOSE
CFG
	"$SSHD" -D -e -f "$WORK/sshd_config" >>"$WORK/target.log" 2>&1 &
	PIDS="$PIDS $!"
	TARGET_PID=$!
	wait_port "$TARGET_PORT" || fail "target sshd did not start (see target.log)"
	TARGET_FP=$(ssh-keygen -lf "$WORK/target_host_ed25519.pub" | awk '{print $2}')
}

new_key() {	# NAME: an engineer key pair at $WORK/NAME
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/$1" -C "$1@e2e" || fail "ssh-keygen $1"
}

# Gateway config: alice and bob; router1 is the target, router2 the same
# device pinned to a wrong key, dead a port nothing listens on.
write_config() {
	new_key alice
	new_key bob
	new_key mallory
	DEAD_PORT=$(free_port)
	cat >"$CONFIG" <<CFG
listen: "127.0.0.1:$GW_PORT"
state_dir: "./state"
log_level: ${GW_LOG_LEVEL:-info}
login_grace_time: ${GW_GRACE:-30s}
target_connect_timeout: 5s
engineers:
  - name: alice
    authorized_keys: ["$(cat "$WORK/alice.pub")"]
  - name: bob
    authorized_keys: ["$(cat "$WORK/bob.pub")"]
admins:
  - name: wang
    authorized_keys: ["$(cat "$WORK/mallory.pub")"]
targets:
  - name: router1
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/router1_ed25519"
    host_key: "$TARGET_FP"
  - name: router2
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/router2_ed25519"
    host_key: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
  - name: dead
    address: "127.0.0.1:$DEAD_PORT"
    user: $TARGET_USER
    identity_file: "./state/dead_ed25519"
    host_key: "$TARGET_FP"
CFG
}

ctl() { "$REMGATECTL" -c "$CONFIG" "$@"; }

# The web console on a port of its own (call after write_config): wang is
# an approver, li (key li) an auditor. CONSOLE is its address.
enable_console() {
	CONSOLE_PORT=$(free_port)
	CONSOLE="https://127.0.0.1:$CONSOLE_PORT"
	new_key li
	python3 - "$CONFIG" "$CONSOLE_PORT" "$(cat "$WORK/li.pub")" <<'PY'
import sys
path, port, li = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(path).read()
s = s.replace("admins:\n  - name: wang\n", "console:\n  listen: \"127.0.0.1:%s\"\nadmins:\n  - name: wang\n    role: approver\n" % port, 1)
s = s.replace("targets:\n", "  - name: li\n    role: auditor\n    authorized_keys: [\"%s\"]\ntargets:\n" % li, 1)
open(path, "w").write(s)
PY
}

# A one-time console login link for an admin (KEY USER), from `ssh USER@gateway console`.
console_link() { gw_ssh "$1" "$2" console 2>/dev/null | tail -n 1; }

start_gateway() {
	"$REMGATED" -c "$CONFIG" >>"$WORK/gateway.log" 2>&1 &
	GW_PID=$!
	PIDS="$PIDS $GW_PID"
	wait_port "$GW_PORT" || fail "remgated did not start (see gateway.log)"
}

# The whole stage: target, config, vaulted keys installed, gateway up.
setup_all() {
	start_target
	write_config
	install_target_keys
	start_gateway
}

# The vaulted keys of the three targets in the device's authorized_keys.
install_target_keys() {
	for t in router1 router2 dead; do
		ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
	done
}

# The same stage with the web console on (enable_console), up and listening.
setup_console() {
	start_target
	write_config
	enable_console
	install_target_keys
	start_gateway
	wait_port "$CONSOLE_PORT" || fail "the console did not start (see gateway.log)"
}

# Answer the token prompt through SSH_ASKPASS with $TOKEN.
cat >"$WORK/askpass" <<'SH'
#!/bin/sh
printf '%s\n' "$1" >>"$ASKPASS_LOG"
printf '%s\n' "${TOKEN:-}"
SH
chmod 755 "$WORK/askpass"

# gw_ssh KEY USER [ssh options] [command]: the stock client through the gateway
# (ssh takes options after the destination too).
gw_ssh() {
	key=$1; user=$2; shift 2
	TOKEN=${TOKEN:-} ASKPASS_LOG="$WORK/askpass.log" SSH_ASKPASS="$WORK/askpass" \
	SSH_ASKPASS_REQUIRE=force DISPLAY= \
	ssh -F /dev/null -p "$GW_PORT" -i "$WORK/$key" -o IdentitiesOnly=yes \
	    -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=accept-new \
	    -o ConnectTimeout=10 -o ServerAliveInterval=5 -o LogLevel=${SSH_LOG_LEVEL:-INFO} \
	    "$user@127.0.0.1" "$@"
}

# gw_sftp KEY USER [sftp options]: the stock sftp client through the gateway.
gw_sftp() {
	key=$1; user=$2; shift 2
	TOKEN=${TOKEN:-} ASKPASS_LOG="$WORK/askpass.log" SSH_ASKPASS="$WORK/askpass" \
	SSH_ASKPASS_REQUIRE=force DISPLAY= \
	sftp -F /dev/null -P "$GW_PORT" -i "$WORK/$key" -o IdentitiesOnly=yes \
	    -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=accept-new \
	    -o ConnectTimeout=10 -o BatchMode=no -o LogLevel=${SSH_LOG_LEVEL:-ERROR} "$@" "$user@127.0.0.1"
}

# gw_scp KEY [scp options and paths, remote ones as GW:PATH with GW the gateway user@host]
gw_scp() {
	key=$1; shift
	TOKEN=${TOKEN:-} ASKPASS_LOG="$WORK/askpass.log" SSH_ASKPASS="$WORK/askpass" \
	SSH_ASKPASS_REQUIRE=force DISPLAY= \
	scp -F /dev/null -P "$GW_PORT" -i "$WORK/$key" -o IdentitiesOnly=yes \
	    -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=accept-new \
	    -o ConnectTimeout=10 -o LogLevel=${SSH_LOG_LEVEL:-ERROR} "$@"
}

# Largest VmRSS (kB) of the gateway's session children while process $1 runs.
watch_rss() {
	max=0
	while kill -0 "$1" 2>/dev/null; do
		for child in $(pgrep -P "$GW_PID"); do
			rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$child/status" 2>/dev/null)
			[ -n "$rss" ] && [ "$rss" -gt "$max" ] && max=$rss
		done
		sleep 0.2
	done
	echo "$max"
}

new_token() {	# [extra approve args]: an approval for alice on router1
	ctl approve --engineer "${ENGINEER:-alice}" --target "${TARGET:-router1}" --ticket "T-${RANDOM}" \
	    --level 2 --approver wang --method phone --valid "${VALID:-1h}" "$@"
}

# The id of the newest session in the store.
last_sid() { ctl sessions list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'; }

# Number of logins the target's sshd accepted so far.
target_logins() { grep -c 'Accepted publickey' "$WORK/target.log" 2>/dev/null || true; }

assert_eq() {	# WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

assert_contains() {	# WHAT HAYSTACK NEEDLE
	case "$2" in
	*"$3"*) ;;
	*) fail "$1: expected to contain '$3', got: $2" ;;
	esac
}

# Events of a kind with a reason, counted in the store.
event_count() {	# KIND REASON
	ctl events list --json | python3 -c "
import json,sys
ev=json.load(sys.stdin)
print(sum(1 for e in ev if e['kind']=='$1' and (e['reason'] or '')=='$2'))"
}

done_ok() {
	printf 'PASS: %s\n' "$TEST_NAME"
	exit 0
}
