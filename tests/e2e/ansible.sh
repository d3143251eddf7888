#!/bin/bash
# ansible through the gateway with an approval certificate and its default
# ssh settings (ControlMaster=auto, ControlPersist=60s): `-m command` and
# `-m copy` against the device. Each ssh ansible runs is a session channel
# on the one persisted connection: its own recorded session, all under one
# approval use. Its commands are `/bin/sh -c '… python3 payload …'`, which
# the command guard cannot read (on_unparsed), so a target managed by
# ansible needs a policy that lets unparsed lines run (here: a test policy)
# or a review per task.
. "$(dirname "$0")/lib.sh"

command -v ansible >/dev/null || skip "ansible is not installed (scripts/install-deps installs ansible-core)"
setup_all
printf 'default: allow\non_unparsed: allow\nrules: []\n' >"$WORK/ansible-policy.yaml"
sed -i '/^policy_file:/d' "$CONFIG"
printf 'policy_file: %s\n' "$WORK/ansible-policy.yaml" >>"$CONFIG"
ctl reload >/dev/null || fail reload
TOKEN=$(ctl approve --engineer alice --target router1 --ticket INC-A1 --level 2 --approver wang --method phone \
    --valid 1h --max-sessions 40 --phase implement --cert-for "$WORK/alice.pub" 2>"$WORK/approve.err") ||
    fail "approve: $(cat "$WORK/approve.err")"
ID=$(echo "$TOKEN" | cut -d- -f2)
uses() { ctl approvals list --json | python3 -c "import json,sys; print([a['uses'] for a in json.load(sys.stdin) if a['id']==$ID][0])"; }

# remote_tmp: ansible's default ~/.ansible/tmp would be "~alice+router1", a literal directory.
cat >"$WORK/inventory" <<INV
router1 ansible_host=127.0.0.1 ansible_port=$GW_PORT ansible_user=alice+router1 ansible_ssh_private_key_file=$WORK/alice ansible_python_interpreter=/usr/bin/python3 ansible_remote_tmp=/tmp/.ansible-remgate-$$
INV
# ansible's own ssh_args stay (ControlMaster=auto, ControlPersist=60s); ours are extra.
unset ANSIBLE_SSH_ARGS
export ANSIBLE_SSH_EXTRA_ARGS="-F /dev/null -o CertificateFile=$WORK/alice-cert.pub -o IdentitiesOnly=yes -o UserKnownHostsFile=$WORK/known_hosts -o StrictHostKeyChecking=accept-new"
export ANSIBLE_LOCAL_TEMP="$WORK/ansible-local" ANSIBLE_NOCOLOR=1 ANSIBLE_HOME="$WORK/ansible-home"
export ANSIBLE_SSH_CONTROL_PATH_DIR="$WORK/cp"
# The persisted masters are ours to end, by PID.
stop_masters() {
	for sock in "$WORK"/cp/*; do
		[ -S "$sock" ] || continue
		pid=$(ssh -o ControlPath="$sock" -O check x 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
		[ -n "$pid" ] && PIDS="$PIDS $pid"
		ssh -o ControlPath="$sock" -O exit x 2>/dev/null
	done
}
sessions() { ctl sessions list --json | python3 -c "import json,sys; print(sum(1 for s in json.load(sys.stdin) if s['approval_id']==$ID))"; }

log "ansible -m command"
timeout 120 ansible router1 -i "$WORK/inventory" -m command -a 'echo ansible-ok' </dev/null >"$WORK/a1.out" 2>&1 ||
    fail "ansible -m command: $(tail -20 "$WORK/a1.out")"
grep -q ansible-ok "$WORK/a1.out" || fail "no output: $(cat "$WORK/a1.out")"
assert_eq "one approval use for the module (one connection, ControlPersist)" 1 "$(uses)"
s1=$(sessions)
[ "$s1" -ge 2 ] || fail "expected the module's ssh runs as several sessions, got $s1"
log "the command module ran as $s1 sessions on one connection, one approval use"

log "ansible -m copy (an sftp upload on an implement approval)"
printf 'from-ansible\n' >"$WORK/src.txt"
timeout 120 ansible router1 -i "$WORK/inventory" -m copy -a "src=$WORK/src.txt dest=$DEVICE_DIR/copied.txt" \
    </dev/null >"$WORK/a2.out" 2>&1 || fail "ansible -m copy: $(tail -20 "$WORK/a2.out")"
assert_eq "the file arrived" from-ansible "$(cat "$DEVICE_DIR/copied.txt")"
# The persisted connection carries up to max_channels_per_connection (10) sessions, then
# ends, and ansible's next ssh starts a new master: one more use, never one per ssh.
s2=$(sessions)
n2=$(uses)
[ "$n2" -le $(( (s2 + 9) / 10 )) ] || fail "$s2 sessions took $n2 approval uses (at most one per 10 expected)"
log "command and copy: $s2 sessions, $n2 approval uses"
# ansible uploads to its remote tmp, then moves the file there: the upload's hash is the file's.
ctl transfers list --json | grep -q "$(sha256sum "$WORK/src.txt" | cut -d' ' -f1)" ||
    fail "the copied file's upload is not in the transfers list with its SHA-256"
ctl events list --json | grep -q '"kind":"session_start".*by approval certificate' ||
    fail "the sessions did not come by certificate"
stop_masters
rm -rf "/tmp/.ansible-remgate-$$"
done_ok
