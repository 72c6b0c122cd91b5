/* The client profile model: what a profile XML file (policies/schema/profile.xsd) says.
 *
 * One client of the MSP: name, sites with their scope and exclusions, asset groups with
 * criticality and owner, backup sources, package inventories of hosts, the policies that apply, tailoring of those policies
 * (rules off, thresholds changed, risks accepted until a date, answers to manual controls),
 * the CA bundle their internal services chain to, and the MSP's report branding.
 *
 * Ownership: a struct profile owns everything it points to; profile_free() releases it.
 */
#ifndef RISKMAP_PROFILE_H
#define RISKMAP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/finding.h"
#include "policies/policy.h"
#include "policies/xmlload.h"

struct prof_exclude {
    char *target;
    char *reason; /* may be NULL */
};

struct prof_site {
    char *id, *name;
    char **scope; /* riskmap scan target syntax */
    size_t n_scope;
    struct prof_exclude *excludes;
    size_t n_excludes;
};

/* One member of an asset group, pre-parsed for matching: an address or CIDR block (is_net),
 * or a host name compared case-insensitively with the name the scan recorded. */
struct prof_member {
    char *text;
    bool is_net;
    struct rm_addr net;
    unsigned prefix;
};

struct prof_group {
    char *id, *name, *owner;
    enum criticality criticality;
    struct prof_member *members;
    size_t n_members;
};

struct prof_kv {
    char *key, *value;
};

struct prof_backup {
    char *name, *type, *location, *asset, *pattern; /* pattern may be NULL */
    double rpo_hours;
    bool offsite, immutable;
    long retention_min; /* -1 when not given */
    struct prof_kv *opts; /* how to read it (password-file, saved, time-field, tz, ...), in
                           * the backup check's spec key names, as given */
    size_t n_opts;
};

/* A package inventory collected on one of the client's hosts (checks/inventory.h). */
struct prof_inventory {
    char *host;   /* address or host name */
    char *file;   /* as written; relative to the profile's directory */
    char *format, *os, *build; /* each may be NULL (format: recognised from the content) */
};

/* Tailoring. `policy` fields are NULL when the entry applies to every policy. */
struct prof_disable {
    char *rule, *policy, *reason;
};

struct prof_threshold {
    char *name, *rule, *policy;
    double value;
};

struct prof_accept {
    char *rule, *policy, *asset, *fingerprint; /* asset, fingerprint may be NULL */
    char *owner, *reason;
    char expires[11]; /* YYYY-MM-DD: accepted through the end of that day */
};

enum evidence_state {
    EVIDENCE_UNCHECKED = 0,
    EVIDENCE_OK,       /* the file exists and its SHA-256 is the one recorded */
    EVIDENCE_MISSING,  /* cannot be read */
    EVIDENCE_CHANGED,  /* its SHA-256 differs: the file changed since the answer */
};

struct prof_evidence {
    char *path;        /* as written; relative paths are relative to the profile's directory */
    char sha256[65];
    enum evidence_state state; /* set by profile_verify_evidence() */
};

struct prof_answer {
    char *control, *policy, *by, *note; /* note may be NULL */
    char *result; /* "pass", "fail", "partial", "not-applicable" */
    char date[11];
    struct prof_evidence *evidence;
    size_t n_evidence;
};

/* A business objective of the client and the initiatives (policy initiative ids) serving it. */
struct prof_objective {
    char *id, *title;
    char *target_quarter;  /* "2027-Q3", or NULL */
    char target_date[11];  /* YYYY-MM-DD, or "" */
    char **serves;
    size_t n_serves;
};

struct profile {
    char *source;
    char *client_id, *client_name, *contact;
    enum criticality default_criticality;
    struct prof_site *sites;
    size_t n_sites;
    struct prof_group *groups;
    size_t n_groups;
    struct prof_backup *backups;
    size_t n_backups;
    struct prof_inventory *inventories;
    size_t n_inventories;
    char **policies; /* shipped ids or file paths */
    size_t n_policies;
    struct prof_disable *disables;
    size_t n_disables;
    struct prof_threshold *thresholds;
    size_t n_thresholds;
    struct prof_accept *accepts;
    size_t n_accepts;
    struct prof_answer *answers;
    size_t n_answers;
    char *ca_bundle;   /* may be NULL */
    char *msp_name, *logo, *color; /* branding; each may be NULL */
    struct prof_objective *objectives;
    size_t n_objectives;
    double quarter_capacity_hours; /* roadmap effort per quarter; 0: not given */
};

/* Loads and validates a profile. On success *out is owned by the caller; on failure -1 with
 * every problem in d as "file:line: message" (members that are neither an address, a CIDR
 * block nor a host name are reported too). */
int profile_load_file(const char *path, struct profile **out, struct diags *d);
int profile_load_buffer(const char *buf, size_t len, const char *label, struct profile **out,
                        struct diags *d);
void profile_free(struct profile *p);

/* The backup source as the backup check's "TYPE:LOCATION,key=value,..." spec (name, asset,
 * rpo in seconds, retention, offsite, immutable, pattern and the reading options). *out is
 * new (free()). -1 when a value holds a ',' (the spec cannot carry it) or on ENOMEM. */
int profile_backup_spec(const struct prof_backup *b, char **out);

/* The i-th policy reference as policy_load_ref() takes it: a shipped id unchanged, a relative
 * file path made relative to the profile's own directory. Written into buf; returns buf. */
const char *profile_policy_ref(const struct profile *p, size_t i, char *buf, size_t len);

/* Reads every evidence file the answers name (at most PROFILE_EVIDENCE_MAX bytes each) and
 * sets its state; a message for each one missing or changed goes to d. Returns how many are
 * not OK. */
#define PROFILE_EVIDENCE_MAX (1024ull * 1024 * 1024)
size_t profile_verify_evidence(struct profile *p, struct diags *d);
const char *evidence_state_name(enum evidence_state s);

/* Adds a warning to warn for every initiative an objective serves that none of the n policies
 * defines. Returns how many. */
size_t profile_check_objectives(const struct profile *p, struct policy *const *pols, size_t n,
                                struct diags *warn);

/* The asset group an address (and host name, may be NULL) belongs to: the first group, in
 * file order, with a matching member; NULL when none. */
const struct prof_group *profile_group_of(const struct profile *p, const struct rm_addr *a,
                                          const char *hostname);

/* Does an accept/asset attribute (address, CIDR, host name or group id) name this asset? */
bool profile_asset_matches(const struct profile *p, const char *spec, const struct rm_addr *a,
                           const char *hostname);

#endif
