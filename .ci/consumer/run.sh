#!/usr/bin/env bash
# The consumer check: an application outside the procpool build, depending on procpool exactly as the
# README's dependency snippet says, is built against the procpool jars in the local Maven repository
# (run `mvn install` first) and launched in every way an application is launched. Each launch must print
# the one line below (worker JVMs started and did the work); the source launcher must fail at once with
# procpool's IllegalStateException.
#
#   MAVEN_REPO_LOCAL=/path/to/repo .ci/consumer/run.sh   # that local repository instead of Maven's default
#
# The application is copied to a temporary directory first, so nothing of the procpool build is near it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
expected='procpool consumer: squares 385, sha256 a.txt=56995ef0ff12 b.txt=f7ca3eb6fe41, records 125, warm 4 on a reused worker, all in worker JVMs'
repo=()
if [ -n "${MAVEN_REPO_LOCAL:-}" ]; then
  repo=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
fi
passes=0
failures=0
pass() {
  printf 'ok   %s\n' "$*"
  passes=$((passes + 1))
}
fail() {
  printf 'FAILED: %s\n' "$*"
  failures=$((failures + 1))
}

# The README's snippets: its first ```xml block (Maven) and its first ```kotlin block (Gradle).
snippet() {
  awk -v lang="$1" '$0 == "```" lang { inside = 1; next } inside && $0 == "```" { exit } inside { print }' "$root/README.md"
}
flat() { # one line, without indentation, to compare a snippet with the file that holds it indented
  sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | tr '\n' ' '
}
maven_snippet="$(snippet xml)"
gradle_snippet="$(snippet kotlin)"
[ -n "$maven_snippet" ] || { echo "FAILED: the README has no \`\`\`xml dependency snippet"; exit 1; }
[ -n "$gradle_snippet" ] || { echo "FAILED: the README has no \`\`\`kotlin (Gradle) dependency snippet"; exit 1; }
if ! flat < "$here/pom.xml" | grep -qF "$(flat <<< "$maven_snippet")"; then
  fail "the consumer's pom.xml does not hold the README's Maven snippet verbatim"
fi
if ! flat < "$here/build.gradle.kts" | grep -qF "$(flat <<< "$gradle_snippet")"; then
  fail "the consumer's build.gradle.kts does not hold the README's Gradle snippet verbatim"
fi
tag() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" <<< "$maven_snippet" | head -1; }
coordinates="$(tag groupId):$(tag artifactId):$(tag version)"
grep -qF "implementation(\"$coordinates\")" <<< "$gradle_snippet" \
  || fail "the README's Gradle snippet does not name $coordinates as its Maven snippet does"
grep -qF 'mavenLocal()' <<< "$gradle_snippet" \
  || fail "the README's Gradle snippet lacks mavenLocal(), where mvn install puts procpool"
[ "$failures" -ne 0 ] || pass "$(printf '%-12s       the consumer builds from the README snippets (%s)' readme "$coordinates")"

# The text without the colour resets Maven 3.8 prints even in batch mode, without the warnings that
# Maven 3.8's own Guava draws from JDK 24 and later (sun.misc.Unsafe), and without empty lines.
plain() {
  sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' \
    -e '/^WARNING: .*sun\.misc\.Unsafe/d' -e '/^WARNING: Please consider reporting this to the maintainers of class com\.google\./d'
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/pom.xml" "$here/build.gradle.kts" "$here/src" "$work/"
cd "$work"

start=$SECONDS
mvn -q -B -Dstyle.color=never "${repo[@]}" package 2>&1 | plain
printf 'built the consumer (app.jar, app-shaded.jar, app-boot.jar) in %ss\n' "$((SECONDS - start))"
unzip -l target/app-boot.jar | grep 'BOOT-INF/lib/procpool-core-' > /dev/null || fail "app-boot.jar has no nested procpool-core jar"

# Runs one launch under a time limit; its output (stdout and stderr) must be exactly the expected line.
launch() {
  local mode=$1
  shift
  local start=$SECONDS rc=0 out
  out="$(timeout 180 "$@" 2>&1)" || rc=$?
  out="$(plain <<< "$out")"
  if [ "$rc" -eq 0 ] && [ "$out" = "$expected" ]; then
    pass "$(printf '%-12s %3ss  %s' "$mode" "$((SECONDS - start))" "$*")"
  else
    fail "$mode (exit $rc): $*"
    printf '%s\n' "$out" | head -40
  fi
}

lib="target/lib/procpool-core-$(tag version).jar"
launch class-path java -cp "target/app.jar:$lib" app.Main
launch shaded-jar java -jar target/app-shaded.jar
launch module-path java -p target/app.jar:target/lib -m app/app.Main
launch spring-boot java -jar target/app-boot.jar
launch exec:java mvn -q -B -Dstyle.color=never "${repo[@]}" exec:java

# The source launcher compiles Main.java in memory: no worker can load it, and building the pool must
# say so, once. From JDK 22 the launcher also compiles module-info.java beside it, so procpool goes on
# the module path there.
feature="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [ "${feature:-17}" -ge 22 ]; then
  source_cmd=(java -p target/lib src/main/java/app/Main.java)
else
  source_cmd=(java -cp "$lib" src/main/java/app/Main.java)
fi
start=$SECONDS
rc=0
out="$(timeout 180 "${source_cmd[@]}" 2>&1)" || rc=$?
if [ "$rc" -ne 0 ] && [ "$(grep -c '^Exception in thread "main" java.lang.IllegalStateException: Pool.processes cannot run a program started from its source file' <<< "$out")" -eq 1 ] \
    && [ "$(grep -c 'Exception' <<< "$out")" -eq 1 ]; then
  pass "$(printf '%-12s %3ss  %s (fails at build(), as it must)' source-file "$((SECONDS - start))" "${source_cmd[*]}")"
else
  fail "source-file (exit $rc): ${source_cmd[*]}"
  printf '%s\n' "$out" | head -40
fi

# Gradle, when there is one: the README's Gradle snippet, built and run. (CI's machines have none.)
if command -v gradle > /dev/null && gradle -q --version > /dev/null 2>&1; then
  start=$SECONDS
  rc=0
  out="$(timeout 600 gradle -q --no-daemon "${repo[@]}" run 2>&1)" || rc=$?
  out="$(plain <<< "$out")"
  if [ "$rc" -eq 0 ] && [ "$out" = "$expected" ]; then
    pass "$(printf '%-12s %3ss  gradle run' gradle "$((SECONDS - start))")"
  else
    fail "gradle run (exit $rc)"
    printf '%s\n' "$out" | head -40
  fi
else
  printf 'skip %-12s no Gradle on this machine: its snippet was checked against the Maven one only\n' gradle
fi

printf 'consumer: %s passed, %s failed\n' "$passes" "$failures"
[ "$failures" -eq 0 ]
