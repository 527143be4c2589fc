#!/bin/sh
# Lint test: every shell script of the tree is shellcheck-clean.
# Skipped (exit 77) where shellcheck is not installed.
command -v shellcheck > /dev/null 2>&1 || { echo "shellcheck not installed"; exit 77; }
top=${top_srcdir:?}
cd "$top" || exit 99
# every file that starts with a shell shebang, plus sourced libraries
files=$(grep -rlE '^#!(/bin/(ba)?sh|/usr/bin/env (ba)?sh)' \
	--exclude-dir=.git --exclude-dir=autom4te.cache --exclude-dir=build-aux \
	--exclude=configure --exclude=config.status --exclude=libtool . ;
	grep -rl '^# shellcheck shell=' --exclude-dir=.git tests)
# shellcheck disable=SC2086
exec shellcheck $files
