#!/usr/bin/env bash
# README command 1: install what is missing, prepare the database, load the demo, serve.
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/.."
soms_system_packages
soms_sync
exec "$UV" run --frozen soms start "$@"
