/*
 * Checking a report bundle (remgatectl verify DIR): the signature of
 * report.json by a trusted key, every listed file's digest and signature,
 * no unlisted files, each recording's chain and seal as the report states
 * them, each session inside the approval it names, and, on the gateway,
 * agreement with the store. Each check is one line of the checklist.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "audit.h"
#include "jsonparse.h"
#include "keyhistory.h"
#include "report.h"
#include "sshsig.h"
#include "util.h"

#define REPORT_JSON_MAX (64u << 20)

struct verifier {
	struct store *st;
	const char *dir;
	const struct verify_hooks *h;
	int failures;
	struct keyring trusted;
	int signer;		/* index in trusted, -1 unknown */
	struct jv *report;
};

static void __attribute__((format(printf, 4, 5)))
item(struct verifier *v, enum verify_status s, const char *what, const char *fmt, ...)
{
	char detail[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (s == VERIFY_FAIL)
		v->failures++;
	v->h->item(v->h->arg, s, what, detail);
}

struct mapped {
	void *p;
	size_t len;
};

static int
map_file(const char *dir, const char *name, struct mapped *m)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return util_map_file(path, 1, &m->p, &m->len);
}

static void
unmap(struct mapped *m)
{
	util_unmap_file(m->p, m->len);
	m->p = NULL;
}

/* The detached signature of name by the signer: 1 good, 0 bad (why in err). */
static int
signature_good(struct verifier *v, const char *name, const void *data, size_t len, char *err, size_t errlen)
{
	char signame[300], *sig = NULL, path[4400];
	size_t siglen;
	int ok;

	snprintf(signame, sizeof(signame), "%s.sig", name);
	snprintf(path, sizeof(path), "%s/%s", v->dir, signame);
	if (util_read_file(path, 1 << 16, &sig, &siglen) != 0) {
		snprintf(err, errlen, "%.100s: %s", signame, strerror(errno));
		return 0;
	}
	ok = sshsig_verify(v->trusted.k[v->signer].pub, REPORT_NAMESPACE, data, len, sig, err, errlen);
	free(sig);
	return ok;
}

/* Which trusted key signed report.json? Sets v->signer. */
static void
check_report_signature(struct verifier *v, const char *json, size_t len)
{
	char path[4400], *sig = NULL, err[200] = "no trusted key";
	size_t siglen;
	const struct jv *gw = jv_get(v->report, "gateway");
	const char *claimed = jv_get_str(gw, "signing_key"), *created = jv_get_str(v->report, "created_at");
	int64_t at = 0;

	v->signer = -1;
	snprintf(path, sizeof(path), "%s/report.json.sig", v->dir);
	if (util_read_file(path, 1 << 16, &sig, &siglen) != 0) {
		item(v, VERIFY_FAIL, "report.json signature", "report.json.sig: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < v->trusted.n && v->signer < 0; i++)
		if (sshsig_verify(v->trusted.k[i].pub, REPORT_NAMESPACE, json, len, sig, err, sizeof(err)) == 1)
			v->signer = (int)i;
	free(sig);
	if (v->signer < 0) {
		item(v, VERIFY_FAIL, "report.json signature", "not a good signature by a trusted key (%s)", err);
		return;
	}
	if (claimed == NULL || strcmp(claimed, v->trusted.k[v->signer].fingerprint) != 0) {
		item(v, VERIFY_FAIL, "report.json signature", "good, by %s, but the report names the key %s",
		    v->trusted.k[v->signer].fingerprint, claimed ? claimed : "(none)");
		return;
	}
	if (created == NULL || util_parse_time(created, &at) != 0 ||
	    (v->trusted.k[v->signer].valid_after > 0 && at < v->trusted.k[v->signer].valid_after) ||
	    (v->trusted.k[v->signer].valid_before > 0 && at >= v->trusted.k[v->signer].valid_before)) {
		item(v, VERIFY_FAIL, "report.json signature", "good, by %s, but the report's time %s is outside the "
		    "time that key was in use", claimed, created ? created : "(none)");
		return;
	}
	item(v, VERIFY_OK, "report.json signature", "good, by %s (%s, namespace %s)", claimed,
	    jv_get_str(gw, "principal") ? jv_get_str(gw, "principal") : "?", REPORT_NAMESPACE);
}

/* The bundle's own allowed_signers must let a customer check it with ssh-keygen alone. */
static void
check_bundle_signers(struct verifier *v)
{
	struct keyring kr;
	char path[4400];

	snprintf(path, sizeof(path), "%s/allowed_signers", v->dir);
	if (keyring_from_allowed_signers(path, REPORT_NAMESPACE, &kr) != 0) {
		item(v, VERIFY_FAIL, "allowed_signers", "%s", errno == EINVAL ? "lists no Ed25519 key for namespace "
		    REPORT_NAMESPACE : strerror(errno));
		return;
	}
	for (size_t i = 0; i < kr.n; i++)
		if (memcmp(kr.k[i].pub, v->trusted.k[v->signer].pub, SIGKEY_PUB_LEN) == 0) {
			item(v, VERIFY_OK, "signer in allowed_signers", "the signing key is listed, so ssh-keygen -Y verify works "
			    "with it");
			return;
		}
	item(v, VERIFY_FAIL, "signer in allowed_signers", "the key that signed the report is not listed");
}

static int
listed(const struct jv *files, const char *name)
{
	for (const struct jv *f = files ? files->child : NULL; f != NULL; f = f->next) {
		const char *n = jv_get_str(f, "name");
		if (n != NULL && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

/* Bundle file names are plain: no directories, no dot files. */
static int
plain_name(const char *n)
{
	return n[0] != '\0' && n[0] != '.' && strchr(n, '/') == NULL && strlen(n) < 200;
}

static void
check_files(struct verifier *v)
{
	const struct jv *files = jv_get(v->report, "files");
	DIR *d;
	struct dirent *de;

	if (files == NULL || files->type != JV_ARRAY || files->child == NULL) {
		item(v, VERIFY_FAIL, "files", "report.json lists no files");
		return;
	}
	for (const struct jv *f = files->child; f != NULL; f = f->next) {
		const char *name = jv_get_str(f, "name"), *want = jv_get_str(f, "sha256");
		int64_t size = jv_get_int(f, "size", -1);
		struct mapped m;
		char got[65], err[200];

		if (name == NULL || want == NULL || !plain_name(name)) {
			item(v, VERIFY_FAIL, "files", "report.json has a malformed file entry");
			continue;
		}
		if (map_file(v->dir, name, &m) != 0) {
			item(v, VERIFY_FAIL, name, "listed in the report but unreadable: %s", strerror(errno));
			continue;
		}
		util_sha256_hex(m.p ? m.p : "", m.len, got);
		if (strcmp(got, want) != 0 || (int64_t)m.len != size) {
			item(v, VERIFY_FAIL, name, "SHA-256 %.16s…, %zu bytes, but the signed report states %.16s…, "
			    "%lld bytes: the file was changed", got, m.len, want, (long long)size);
		} else if (strcmp(name, "allowed_signers") == 0) {
			item(v, VERIFY_OK, name, "SHA-256 as stated in the signed report");
		} else if (!signature_good(v, name, m.p ? m.p : "", m.len, err, sizeof(err))) {
			item(v, VERIFY_FAIL, name, "digest as stated, but its signature %s.sig is not good: %s", name, err);
		} else {
			item(v, VERIFY_OK, name, "SHA-256 %.16s… as stated, signature good", got);
		}
		unmap(&m);
	}
	if ((d = opendir(v->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char base[300];
		size_t n = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "report.json") == 0 || listed(files, de->d_name))
			continue;
		if (n > 4 && strcmp(de->d_name + n - 4, ".sig") == 0 && n - 4 < sizeof(base)) {
			snprintf(base, sizeof(base), "%.*s", (int)(n - 4), de->d_name);
			if (strcmp(base, "report.json") == 0 || listed(files, base))
				continue;
		}
		item(v, VERIFY_FAIL, de->d_name, "is in the bundle but not listed in the signed report");
	}
	closedir(d);
}

static const struct jv *
find_approval(const struct jv *report, int64_t id)
{
	const struct jv *list = jv_get(report, "approvals");

	for (const struct jv *a = list ? list->child : NULL; a != NULL; a = a->next)
		if (jv_get_int(a, "id", -1) == id)
			return a;
	return NULL;
}

static int64_t
time_of(const struct jv *obj, const char *key)
{
	const char *s = jv_get_str(obj, key);
	int64_t t = 0;

	return s != NULL && util_parse_time(s, &t) == 0 ? t : 0;
}

static void
check_recording(struct verifier *v, const struct jv *sess, const char *sid)
{
	const struct jv *rec = jv_get(sess, "recording");
	const char *file = jv_get_str(rec, "file"), *state = jv_get_str(rec, "state");
	const char *head = jv_get_str(rec, "chain_head");
	char what[120], signer[80], got[2 * RECFILE_HASH_LEN + 1];
	struct rec_check chk;
	struct mapped m;

	snprintf(what, sizeof(what), "recording %s", sid);
	if (file == NULL) {
		item(v, VERIFY_WARN, what, "the session has no recording (state %s)", state ? state : "?");
		return;
	}
	if (!plain_name(file) || map_file(v->dir, file, &m) != 0) {
		item(v, VERIFY_FAIL, what, "%s: cannot read it", file);
		return;
	}
	report_check_recording(&v->trusted, m.p, m.len, &chk, signer, sizeof(signer));
	unmap(&m);
	util_hex(chk.head, RECFILE_HASH_LEN, got);
	if (chk.verdict == REC_TAMPERED) {
		item(v, VERIFY_FAIL, what, "%s: record %u at byte offset %llu: %s", file, chk.bad_record,
		    (unsigned long long)chk.bad_offset, chk.reason);
		return;
	}
	if (state == NULL || strcmp(state, chk.verdict == REC_SEALED ? "sealed" : "unsealed") != 0 ||
	    (uint32_t)jv_get_int(rec, "records", -1) != chk.records || head == NULL || strcmp(head, got) != 0) {
		item(v, VERIFY_FAIL, what, "%s is %s with %u records and head %.16s…, but the report states %s, "
		    "%lld records, head %.16s…", file, chk.verdict == REC_SEALED ? "sealed" : "unsealed", chk.records,
		    got, state ? state : "?", (long long)jv_get_int(rec, "records", -1), head ? head : "?");
		return;
	}
	if (chk.verdict == REC_UNSEALED)
		item(v, VERIFY_WARN, what, "%u records intact, no seal (the session was cut off); the file is covered "
		    "by the report's signature", chk.records);
	else
		item(v, VERIFY_OK, what, "chain intact, %u records, head %.16s…, sealed by %s", chk.records, got, signer);
}

struct row_copy {
	int found;
	char engineer[80], target[80];
	int64_t approval_id, started_at;
};

static int
row_copy(const struct audit_session *a, void *arg)
{
	struct row_copy *r = arg;

	r->found = 1;
	snprintf(r->engineer, sizeof(r->engineer), "%s", a->engineer);
	snprintf(r->target, sizeof(r->target), "%s", a->target);
	r->approval_id = a->approval_id;
	r->started_at = a->started_at;
	return 0;
}

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The store's own approval and session rows against the report's. */
static void
check_against_store(struct verifier *v, const struct jv *sess, const struct jv *appr, const char *sid)
{
	struct row_copy row = { 0 };
	struct approval a;
	char what[120];
	int r;

	snprintf(what, sizeof(what), "store: session %s", sid);
	if (audit_session_get(v->st, sid, row_copy, &row) != 0 || !row.found) {
		item(v, VERIFY_WARN, what, "not in this gateway's store (a bundle from another gateway?)");
		return;
	}
	if (!same(row.engineer, jv_get_str(sess, "engineer")) || !same(row.target, jv_get_str(sess, "target")) ||
	    row.approval_id != jv_get_int(sess, "approval_id", -1) || row.started_at != time_of(sess, "started_at")) {
		item(v, VERIFY_FAIL, what, "the store has %s on %s under approval %lld, which the report does not match",
		    row.engineer, row.target, (long long)row.approval_id);
		return;
	}
	if ((r = approval_get(v->st, row.approval_id, &a)) != 0) {
		item(v, VERIFY_FAIL, what, "its approval %lld is not in the store", (long long)row.approval_id);
		return;
	}
	if (!same(a.engineer, jv_get_str(appr, "engineer")) || !same(a.target, jv_get_str(appr, "target")) ||
	    !same(a.ticket, jv_get_str(appr, "ticket")) || !same(a.approver, jv_get_str(appr, "approver")) ||
	    a.valid_from != time_of(appr, "valid_from") || a.valid_until != time_of(appr, "valid_until"))
		item(v, VERIFY_FAIL, what, "approval %lld in the store differs from the report's copy", (long long)a.id);
	else
		item(v, VERIFY_OK, what, "matches the store, and so does approval %lld", (long long)a.id);
	approval_clear(&a);
}

static void
check_sessions(struct verifier *v)
{
	const struct jv *list = jv_get(v->report, "sessions");
	const char *ticket = jv_get_str(v->report, "ticket");

	if (list == NULL || list->type != JV_ARRAY || list->child == NULL) {
		item(v, VERIFY_FAIL, "sessions", "report.json lists no sessions");
		return;
	}
	for (const struct jv *s = list->child; s != NULL; s = s->next) {
		const char *sid = jv_get_str(s, "id");
		int64_t aid = jv_get_int(s, "approval_id", -1), start = time_of(s, "started_at");
		const struct jv *a = find_approval(v->report, aid);
		char what[120];

		if (sid == NULL) {
			item(v, VERIFY_FAIL, "sessions", "a session without an id");
			continue;
		}
		check_recording(v, s, sid);
		snprintf(what, sizeof(what), "approval of %s", sid);
		if (a == NULL) {
			item(v, VERIFY_FAIL, what, "names approval %lld, which the report does not include", (long long)aid);
			continue;
		}
		if (!same(jv_get_str(a, "engineer"), jv_get_str(s, "engineer")) ||
		    !same(jv_get_str(a, "target"), jv_get_str(s, "target")) || !same(jv_get_str(a, "ticket"), ticket)) {
			item(v, VERIFY_FAIL, what, "approval %lld is for %s on %s (ticket %s), not this session's %s on %s",
			    (long long)aid, jv_get_str(a, "engineer"), jv_get_str(a, "target"), jv_get_str(a, "ticket"),
			    jv_get_str(s, "engineer"), jv_get_str(s, "target"));
		} else if (start == 0 || start < time_of(a, "valid_from") || start > time_of(a, "valid_until")) {
			item(v, VERIFY_FAIL, what, "started %s, outside approval %lld's window %s to %s",
			    jv_get_str(s, "started_at"), (long long)aid, jv_get_str(a, "valid_from"),
			    jv_get_str(a, "valid_until"));
		} else if (time_of(a, "revoked_at") != 0 && time_of(a, "revoked_at") <= start) {
			item(v, VERIFY_FAIL, what, "started after approval %lld was revoked", (long long)aid);
		} else {
			item(v, VERIFY_OK, what, "covered by approval %lld (%s on %s, ticket %s, approved by %s by %s, "
			    "window %s to %s)", (long long)aid, jv_get_str(s, "engineer"), jv_get_str(s, "target"), ticket,
			    jv_get_str(a, "approver"), jv_get_str(a, "method"), jv_get_str(a, "valid_from"),
			    jv_get_str(a, "valid_until"));
		}
		if (v->st != NULL)
			check_against_store(v, s, a, sid);
	}
}

struct stored_match {
	const char *json;
	int result;	/* 1 same, 0 differs */
};

static int
compare_stored(const struct report_row *r, void *arg)
{
	struct stored_match *m = arg;

	m->result = strcmp(r->report_json, m->json) == 0;
	return 0;
}

int
report_verify(struct store *st, const char *dir, const char *trusted_signers, const struct verify_hooks *h)
{
	struct verifier v = { .st = st, .dir = dir, .h = h, .signer = -1 };
	char *json = NULL, path[4400], err[200];
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/report.json", dir);
	if (util_read_file(path, REPORT_JSON_MAX, &json, &len) != 0) {
		item(&v, VERIFY_FAIL, "report.json", "%s: %s", path, strerror(errno));
		return v.failures;
	}
	if ((v.report = jv_parse(json, len, err, sizeof(err))) == NULL || v.report->type != JV_OBJECT ||
	    !same(jv_get_str(v.report, "format"), REPORT_FORMAT)) {
		item(&v, VERIFY_FAIL, "report.json", "not a remgate report (%s)", v.report ? "wrong format" : err);
		goto out;
	}
	if (trusted_signers != NULL) {
		if (keyring_from_allowed_signers(trusted_signers, REPORT_NAMESPACE, &v.trusted) != 0) {
			item(&v, VERIFY_FAIL, "trusted keys", "%s: %s", trusted_signers,
			    errno == EINVAL ? "no Ed25519 key for namespace " REPORT_NAMESPACE : strerror(errno));
			goto out;
		}
		item(&v, VERIFY_OK, "trusted keys", "%zu from %s", v.trusted.n, trusted_signers);
	} else if (st == NULL || keyring_from_store(st, &v.trusted) != 0 || v.trusted.n == 0) {
		item(&v, VERIFY_FAIL, "trusted keys", "this gateway's key history is unreadable or empty");
		goto out;
	}
	check_report_signature(&v, json, len);
	if (v.signer < 0)
		goto out;
	check_bundle_signers(&v);
	check_files(&v);
	check_sessions(&v);
	if (st != NULL) {
		struct stored_match m = { .json = json, .result = -1 };
		int64_t id = jv_get_int(v.report, "report_id", -1);

		report_store_get(st, id, compare_stored, &m);
		if (m.result == 1)
			item(&v, VERIFY_OK, "fault database", "report %lld is stored with the same signed content",
			    (long long)id);
		else if (m.result == 0)
			item(&v, VERIFY_FAIL, "fault database", "report %lld is stored with different content", (long long)id);
		else
			item(&v, VERIFY_WARN, "fault database", "report %lld is not in this gateway's store", (long long)id);
	}
out:
	jv_free(v.report);
	free(json);
	return v.failures;
}
