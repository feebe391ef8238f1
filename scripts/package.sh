#!/usr/bin/env bash
# Builds the Debian package dist/vmqos_<version>_amd64.deb from the product jar (built first if missing or older than
# the sources): a Java runtime of its own (jlink, only the modules the jar needs), /usr/bin/vmqos, the systemd unit
# vmqos-agent.service, an example /etc/vmqos/host.yaml (a conffile), man pages (picocli's ManPageGenerator, then
# asciidoctor) and bash completion (picocli's AutoComplete). Needs a JDK 25, Maven, dpkg-deb and asciidoctor.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$HERE/scripts/env.sh"
cd "$HERE"
for tool in dpkg-deb asciidoctor; do
  command -v "$tool" >/dev/null || { echo "package.sh needs $tool: apt-get install -y ${tool/dpkg-deb/dpkg}" >&2; exit 2; }
done
VERSION="${VERSION:-$(sed -n 's:^  <version>\([0-9.]*\).*</version>:\1:p' pom.xml | head -1)}"
JAR="${VMQOS_JAR:-$HERE/target/vmqos.jar}"
if [[ ! -f "$JAR" ]] || [[ -n "$(find "$HERE"/*/src/main "$HERE"/pom.xml -newer "$JAR" -print -quit)" ]]; then
  mvn -B -q -DskipTests package -pl cli -am >&2
fi
REPO="${MAVEN_REPO:-$HOME/.m2/repository}"
PICOCLI="$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml)"
CODEGEN="$REPO/info/picocli/picocli-codegen/$PICOCLI/picocli-codegen-$PICOCLI.jar"
[[ -f "$CODEGEN" ]] || mvn -B -q dependency:get -Dartifact="info.picocli:picocli-codegen:$PICOCLI" >&2

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/vmqos_${VERSION}_amd64"
install -d "$ROOT/DEBIAN" "$ROOT/usr/bin" "$ROOT/usr/lib/vmqos" "$ROOT/lib/systemd/system" "$ROOT/etc/vmqos" \
  "$ROOT/usr/share/man/man1" "$ROOT/usr/share/bash-completion/completions" "$ROOT/usr/share/doc/vmqos" \
  "$ROOT/etc/libvirt/hooks/qemu.d" "$ROOT/var/cache/vmqos"

# the runtime: only the modules the jar uses, with its default class-data archive (the base of the hook's own)
MODULES="$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$JAR" | tail -1)"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --generate-cds-archive --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
  --output "$ROOT/usr/lib/vmqos/runtime"
install -m 0644 "$JAR" "$ROOT/usr/lib/vmqos/vmqos.jar"
install -m 0644 scripts/agent.jvm "$ROOT/usr/lib/vmqos/agent.jvm"
cat > "$ROOT/usr/bin/vmqos" <<'SH'
#!/bin/sh
# vmqos, as its Debian package installs it: its own Java runtime; the agent with the JVM options of agent.jvm
OPTS=""
if [ "${1:-}" = agent ]; then OPTS="@/usr/lib/vmqos/agent.jvm"; fi
exec /usr/lib/vmqos/runtime/bin/java $OPTS --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -jar /usr/lib/vmqos/vmqos.jar "$@"
SH
chmod 0755 "$ROOT/usr/bin/vmqos"
install -m 0644 packaging/vmqos-agent.service "$ROOT/lib/systemd/system/vmqos-agent.service"
install -m 0644 packaging/host.yaml "$ROOT/etc/vmqos/host.yaml"
# libvirt's QEMU hook: admission at start and migration, reservation once started, release (see README, libvirt)
"$JAVA_HOME/bin/java" -cp "$JAR" io.vmqos.cli.Main hook script --java /usr/lib/vmqos/runtime/bin/java --jar /usr/lib/vmqos/vmqos.jar \
  > "$ROOT/etc/libvirt/hooks/qemu.d/vmqos"
chmod 0755 "$ROOT/etc/libvirt/hooks/qemu.d/vmqos"
install -m 0644 README.md "$ROOT/usr/share/doc/vmqos/README.md"
printf 'vmqos\nCopyright: the vmqos authors\n' > "$ROOT/usr/share/doc/vmqos/copyright"

# man pages and completion from the command line's own definition
"$JAVA_HOME/bin/java" -cp "$JAR:$CODEGEN" picocli.codegen.docgen.manpage.ManPageGenerator -d "$WORK/adoc" io.vmqos.cli.Main
asciidoctor -b manpage -D "$WORK/man" "$WORK"/adoc/*.adoc
for m in "$WORK"/man/*.1; do gzip -9n -c "$m" > "$ROOT/usr/share/man/man1/$(basename "$m").gz"; done
"$JAVA_HOME/bin/java" -cp "$JAR" picocli.AutoComplete -f -n vmqos -o "$ROOT/usr/share/bash-completion/completions/vmqos" io.vmqos.cli.Main

SIZE="$(du -sk "$ROOT" | cut -f1)"
cat > "$ROOT/DEBIAN/control" <<CTL
Package: vmqos
Version: $VERSION
Architecture: amd64
Maintainer: vmqos <vmqos@localhost>
Installed-Size: $SIZE
Depends: iproute2, procps
Recommends: ethtool
Section: admin
Priority: optional
Description: network QoS guarantees for virtual machines with SCHED_DEADLINE
 vmqos gives the threads that carry a VM's packets (vCPUs, QEMU's main loop and
 iothreads, vhost, NAPI) SCHED_DEADLINE reservations sized from the VM's network
 SLA, states the latency bound it guarantees, refuses what it cannot guarantee,
 and keeps it true while VMs come and go (vmqos-agent.service).
CTL
printf '/etc/vmqos/host.yaml\n/etc/libvirt/hooks/qemu.d/vmqos\n' > "$ROOT/DEBIAN/conffiles"
cat > "$ROOT/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
# the agent is not started: it keeps /etc/vmqos/host.yaml true, so write that first, then
#   systemctl enable --now vmqos-agent
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  # a running libvirt daemon reads its hooks again on reload: the vmqos hook takes effect now
  for d in libvirtd virtqemud; do if systemctl -q is-active "$d.service"; then systemctl reload "$d.service" || true; fi; done
fi
SH
cat > "$ROOT/DEBIAN/prerm" <<'SH'
#!/bin/sh
set -e
# removing the package puts the host back: the agent stopped, then what it reserved released (a stop alone leaves
# the reservations in place, for a restart)
# the hook's class-data archive, made by the JVM on its first run (before dpkg removes its directory)
rm -f /var/cache/vmqos/hook.jsa
if [ "$1" = remove ]; then
  if [ -d /run/systemd/system ]; then systemctl stop vmqos-agent.service || true; fi
  if [ -s /run/vmqos/state.json ] && [ -f /etc/vmqos/host.yaml ]; then /usr/bin/vmqos release -f /etc/vmqos/host.yaml || true; fi
fi
SH
cat > "$ROOT/DEBIAN/postrm" <<'SH'
#!/bin/sh
set -e
if [ "$1" = purge ]; then rmdir /etc/vmqos 2>/dev/null || true; fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  for d in libvirtd virtqemud; do if systemctl -q is-active "$d.service"; then systemctl reload "$d.service" || true; fi; done
fi
SH
chmod 0755 "$ROOT/DEBIAN/postinst" "$ROOT/DEBIAN/prerm" "$ROOT/DEBIAN/postrm"
mkdir -p "$HERE/dist"
dpkg-deb --root-owner-group --build "$ROOT" "$HERE/dist/vmqos_${VERSION}_amd64.deb" >/dev/null
echo "$HERE/dist/vmqos_${VERSION}_amd64.deb"
