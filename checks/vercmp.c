/* Which comparator an ecosystem's versions need, and a dispatcher over the schemes. */
#include <string.h>

#include "vercmp.h"

const char *vercmp_scheme_name(enum vercmp_scheme s)
{
    switch (s) {
    case VERCMP_UPSTREAM:
        return "upstream";
    case VERCMP_DPKG:
        return "dpkg";
    case VERCMP_RPM:
        return "rpm";
    case VERCMP_SEMVER:
        return "semver";
    }
    return "?";
}

int vercmp_scheme_for_ecosystem(const char *eco, enum vercmp_scheme *out)
{
    /* OSV ecosystem names, optionally ":release" qualified ("Debian:12", "Ubuntu:22.04:LTS").
     * Only ecosystems whose versions one of our schemes orders exactly; PyPI (PEP 440), Maven,
     * Alpine (apk) and the like are refused rather than approximated. */
    static const struct {
        const char *name;
        enum vercmp_scheme s;
    } map[] = {
        {"Debian", VERCMP_DPKG},   {"Ubuntu", VERCMP_DPKG},      {"Red Hat", VERCMP_RPM},
        {"Rocky Linux", VERCMP_RPM}, {"AlmaLinux", VERCMP_RPM},  {"SUSE", VERCMP_RPM},
        {"openSUSE", VERCMP_RPM},  {"npm", VERCMP_SEMVER},       {"crates.io", VERCMP_SEMVER},
        {"Go", VERCMP_SEMVER},     {"Hex", VERCMP_SEMVER},       {"Pub", VERCMP_SEMVER},
    };
    size_t n = strcspn(eco, ":");
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].name) == n && strncmp(map[i].name, eco, n) == 0) {
            *out = map[i].s;
            return 0;
        }
    return -1;
}

int vercmp(enum vercmp_scheme s, const char *a, const char *b)
{
    switch (s) {
    case VERCMP_DPKG:
        return vercmp_dpkg(a, b);
    case VERCMP_RPM:
        return vercmp_rpm_evr(a, b);
    case VERCMP_SEMVER:
        return vercmp_semver(a, b);
    case VERCMP_UPSTREAM:
        break;
    }
    return vercmp_upstream(a, b);
}

bool vercmp_valid(enum vercmp_scheme s, const char *v)
{
    switch (s) {
    case VERCMP_DPKG: {
        struct dpkg_version d;
        return dpkg_version_parse(v, &d, NULL) >= 0;
    }
    case VERCMP_RPM:
        return rpm_evr_valid(v);
    case VERCMP_SEMVER:
        return semver_check(v, NULL) == 0;
    case VERCMP_UPSTREAM:
        break;
    }
    return upstream_valid(v);
}
