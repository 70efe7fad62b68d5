#!/usr/bin/python3
"""Generates config/phone_prefix_timezones.json (not run by the build).

Sources, both from Debian packages:
  - python3-phonenumbers: Google libphonenumber's prefix-to-time-zone table
    (phonenumbers.timezone), for the calling codes of the supported countries (all of NANP: +1);
  - tzdata: /usr/share/zoneinfo/zone.tab, the zones of each supported country (used when a
    number's prefix says nothing more precise than its country).

Run with Debian's own interpreter (it has the module):
  apt-get install python3-phonenumbers
  /usr/bin/python3 scripts/generate_phone_prefix_timezones.py > config/phone_prefix_timezones.json
"""

import argparse
import json
import os
import subprocess
import sys

import phonenumbers
import phonenumbers.timezone as pn_timezone

DEFAULT_COUNTRIES = ["US", "CA", "IT", "FR", "DE", "GB", "ES"]
ZONEINFO = "/usr/share/zoneinfo"


def package_version(name):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def country_zones(countries):
    zones = {c: [] for c in countries}
    with open(os.path.join(ZONEINFO, "zone.tab"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if fields[0] in zones:
                zones[fields[0]].append(fields[2])
    for c in countries:
        if not zones[c]:
            sys.exit(f"no zone for {c} in zone.tab")
        zones[c].sort()
    return zones


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("countries", nargs="*", default=DEFAULT_COUNTRIES,
                        help="ISO 3166-1 alpha-2 codes (default: %(default)s)")
    args = parser.parse_args()
    countries = sorted(set(c.upper() for c in args.countries))

    calling_codes = set()
    for c in countries:
        code = phonenumbers.country_code_for_region(c)
        if code == 0:
            sys.exit(f"unknown region {c}")
        calling_codes.add(str(code))

    prefixes = {}
    for prefix, zones in pn_timezone.TIMEZONE_DATA.items():
        if any(prefix.startswith(code) for code in calling_codes):
            prefixes[prefix] = sorted(set(str(z) for z in zones))

    missing = sorted({z for zs in prefixes.values() for z in zs
                      if not os.path.exists(os.path.join(ZONEINFO, z))})
    if missing:
        print(f"warning: zones unknown to the system tzdata: {missing}", file=sys.stderr)

    document = {
        "format": "dialer.phone_prefix_timezones/1",
        "generated_by": "scripts/generate_phone_prefix_timezones.py",
        "source": ("python3-phonenumbers " + package_version("python3-phonenumbers") +
                   " (phonenumbers.timezone); tzdata " + package_version("tzdata") +
                   " (zone.tab)"),
        "calling_codes": sorted(calling_codes, key=int),
        "countries": country_zones(countries),
        "prefixes": dict(sorted(prefixes.items())),
    }
    # One prefix per line keeps diffs of regenerated data readable.
    out = sys.stdout
    out.write("{\n")
    keys = list(document)
    for i, key in enumerate(keys):
        value = document[key]
        sep = "," if i + 1 < len(keys) else ""
        if isinstance(value, dict):
            out.write(f"  {json.dumps(key)}: {{\n")
            items = list(value.items())
            for j, (k, v) in enumerate(items):
                comma = "," if j + 1 < len(items) else ""
                out.write(f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}\n")
            out.write(f"  }}{sep}\n")
        else:
            out.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{sep}\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
