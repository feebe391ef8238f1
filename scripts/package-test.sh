#!/usr/bin/env bash
# The Debian package on this machine, as root: builds it, installs it with dpkg -i, checks what it installed (the
# command, its own Java runtime, the agent under it, the systemd unit, the example configuration, man pages, bash
# completion), purges it, and checks the machine is as before. Run by scripts/test.sh after the Maven tests.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
if [[ $EUID -ne 0 ]]; then echo "package test: skipped (dpkg -i needs root)"; exit 0; fi
if dpkg -s vmqos >/dev/null 2>&1; then echo "package test: skipped (a vmqos package is installed here already; the test would replace it)"; exit 0; fi
if [[ -e /etc/libvirt/hooks/qemu.d/vmqos ]]; then echo "package test: skipped (a vmqos libvirt hook is installed here, e.g. by vmqos hook install; the package would replace it)"; exit 0; fi
fail() { echo "package test FAILED: $*" >&2; exit 1; }
PATHS=(/usr/bin/vmqos /usr/lib/vmqos /etc/vmqos /lib/systemd/system/vmqos-agent.service /usr/share/man/man1/vmqos.1.gz
       /usr/share/man/man1/vmqos-agent.1.gz /usr/share/bash-completion/completions/vmqos /usr/share/doc/vmqos /run/vmqos
       /etc/libvirt/hooks/qemu.d/vmqos /etc/libvirt/hooks/qemu.d /etc/libvirt/hooks /var/cache/vmqos)
snapshot() {
  for p in "${PATHS[@]}"; do if [[ -e $p ]]; then echo "present $p"; else echo "absent $p"; fi; done
  dpkg-query -W -f='${Status}\n' vmqos 2>/dev/null || echo "not known to dpkg"
}
DEB="$("$HERE/scripts/package.sh" | tail -1)"
echo "package test: $DEB ($(du -h "$DEB" | cut -f1))"
BEFORE="$(snapshot)"
T="$(mktemp -d)"
cleanup() {
  if [[ -n "${AGENT:-}" ]]; then kill "$AGENT" 2>/dev/null || true; fi
  if dpkg -s vmqos >/dev/null 2>&1; then dpkg --purge vmqos >/dev/null 2>&1 || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
dpkg -i "$DEB" >/dev/null

/usr/bin/vmqos --help | grep -q "agent" || fail "vmqos --help does not list the agent"
/usr/bin/vmqos --version | grep -q "vmqos" || fail "vmqos --version"
VMQOS_RUN_DIR="$T/run" /usr/bin/vmqos doctor > "$T/doctor.txt" 2>&1 || { cat "$T/doctor.txt"; fail "vmqos doctor exited non-zero"; }
VMQOS_RUN_DIR="$T/run" /usr/bin/vmqos plan -f /etc/vmqos/host.yaml > /dev/null || fail "the example /etc/vmqos/host.yaml does not parse"
grep -qx /etc/vmqos/host.yaml /var/lib/dpkg/info/vmqos.conffiles || fail "/etc/vmqos/host.yaml is not a conffile"
# the libvirt hook: quick for calls vmqos ignores and for domains without vmqos metadata; without an agent, a domain
# with vmqos metadata is refused with the reason (what virsh start would print)
HOOK=/etc/libvirt/hooks/qemu.d/vmqos
[[ -x $HOOK ]] || fail "$HOOK is not installed executable"
echo '<domain><name>x</name></domain>' | "$HOOK" x start begin - || fail "the hook fails a call vmqos ignores"
echo '<domain><name>x</name></domain>' | "$HOOK" x prepare begin - || fail "the hook fails a domain without vmqos metadata"
XML="<domain><name>x</name><metadata><vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'><vmqos:reservations vcpu='1ms/10ms'/></vmqos:vm></metadata></domain>"
if echo "$XML" | VMQOS_RUN_DIR="$T/run" "$HOOK" x prepare begin - 2> "$T/hook.txt"; then fail "the hook admitted a vmqos domain with no agent running"; fi
grep -q "no vmqos agent" "$T/hook.txt" || { cat "$T/hook.txt"; fail "the hook's refusal does not say why"; }
[[ -s /var/cache/vmqos/hook.jsa ]] || fail "the hook's JVM made no class-data archive in /var/cache/vmqos"
systemd-analyze verify /lib/systemd/system/vmqos-agent.service 2> "$T/verify.txt" || { cat "$T/verify.txt"; fail "systemd-analyze verify"; }
if grep -i "vmqos-agent" "$T/verify.txt"; then fail "systemd-analyze verify warns about the unit"; fi
for page in vmqos vmqos-agent vmqos-apply vmqos-vm-reserve; do
  zcat "/usr/share/man/man1/$page.1.gz" | grep -q '^\.TH' || fail "man page $page.1 is not a man page"
done
MANPAGER=cat man -l /usr/share/man/man1/vmqos-agent.1.gz 2>/dev/null | grep -q -- "--interval" || fail "man vmqos-agent does not describe --interval"
bash -c 'source /usr/share/bash-completion/completions/vmqos && complete -p vmqos' | grep -q "vmqos" || fail "bash completion not registered"
# the agent under the package's own runtime, with metrics (jdk.httpserver) and its control socket (jdk.net)
VMQOS_RUN_DIR="$T/run" /usr/bin/vmqos agent -f /etc/vmqos/host.yaml --metrics 127.0.0.1:0 --socket "$T/agent.sock" 2> "$T/agent.log" &
AGENT=$!
for _ in $(seq 1 100); do grep -q "metrics on" "$T/agent.log" && break; sleep 0.1; done
URL="$(sed -n 's/.*metrics on \(http[^ ]*\).*/\1/p' "$T/agent.log" | head -1)"
[[ -n "$URL" ]] || { cat "$T/agent.log"; fail "the packaged agent did not serve metrics"; }
curl -fsS "$URL" | grep -q "vmqos_agent_reconciles_total" || fail "no vmqos_agent_reconciles_total at $URL"
kill -TERM "$AGENT"; wait "$AGENT" || true; AGENT=""
grep -q "managing 0 VM(s)" "$T/agent.log" || { cat "$T/agent.log"; fail "the packaged agent did not start on the example configuration"; }

dpkg --purge vmqos >/dev/null
AFTER="$(snapshot)"
[[ "$BEFORE" == "$AFTER" ]] || { diff <(echo "$BEFORE") <(echo "$AFTER") || true; fail "the machine is not as before after dpkg --purge"; }
echo "package test: installed, checked and purged; the machine is as before"
