#!/bin/bash
# ansible through the gateway with an approval certificate: `-m command`
# and `-m copy` against the device, every connection an approval use and a
# recorded session. Its commands are `/bin/sh -c '… python3 payload …'`,
# which the command guard cannot read (on_unparsed), so a target managed by
# ansible needs a policy that lets unparsed lines run (here: a test policy)
# or a review per task; its default ControlPersist opens several channels
# on one connection, which the gateway refuses, so ControlMaster=no.
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
export ANSIBLE_SSH_ARGS="-F /dev/null -o ControlMaster=no -o CertificateFile=$WORK/alice-cert.pub -o IdentitiesOnly=yes -o UserKnownHostsFile=$WORK/known_hosts -o StrictHostKeyChecking=accept-new"
export ANSIBLE_LOCAL_TEMP="$WORK/ansible-local" ANSIBLE_NOCOLOR=1 ANSIBLE_HOME="$WORK/ansible-home"

log "ansible -m command"
timeout 120 ansible router1 -i "$WORK/inventory" -m command -a 'echo ansible-ok' </dev/null >"$WORK/a1.out" 2>&1 ||
    fail "ansible -m command: $(tail -20 "$WORK/a1.out")"
grep -q ansible-ok "$WORK/a1.out" || fail "no output: $(cat "$WORK/a1.out")"
n1=$(uses)
log "one command module took $n1 approval uses (one per ssh connection ansible makes)"

log "ansible -m copy (an sftp upload on an implement approval)"
printf 'from-ansible\n' >"$WORK/src.txt"
timeout 120 ansible router1 -i "$WORK/inventory" -m copy -a "src=$WORK/src.txt dest=$DEVICE_DIR/copied.txt" \
    </dev/null >"$WORK/a2.out" 2>&1 || fail "ansible -m copy: $(tail -20 "$WORK/a2.out")"
assert_eq "the file arrived" from-ansible "$(cat "$DEVICE_DIR/copied.txt")"
log "the copy module took $(( $(uses) - n1 )) more uses"
# ansible uploads to its remote tmp, then moves the file there: the upload's hash is the file's.
ctl transfers list --json | grep -q "$(sha256sum "$WORK/src.txt" | cut -d' ' -f1)" ||
    fail "the copied file's upload is not in the transfers list with its SHA-256"
ctl events list --json | grep -q '"kind":"session_start".*by approval certificate' ||
    fail "the sessions did not come by certificate"
rm -rf "/tmp/.ansible-remgate-$$"
done_ok
