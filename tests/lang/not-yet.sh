#!/usr/bin/env bash
# The language scripts not yet on tests/lang/skiff-passing.txt, run under skiff and reported as
# skipped (exit 77) with their names, so `make test` shows how much of the suite skiff lacks
# without counting any of it as a pass. See run.sh.
exec bash "$(dirname "$0")/run.sh" --not-yet "$@"
