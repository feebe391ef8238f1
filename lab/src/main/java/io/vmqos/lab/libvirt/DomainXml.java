package io.vmqos.lab.libvirt;

import java.nio.file.Path;

/**
 * Pure construction of the libvirt domain XML for a {@link DomainSpec}: {@code <domain type='qemu'>} (TCG, since
 * nested KVM guests hang here), i440fx machine, direct kernel boot of the given kernel and initrd, serial console
 * to a file, one user-mode virtio NIC, no balloon, and destroy on poweroff/reboot/crash so a dying guest never
 * lingers. No I/O; thread-safe.
 */
public final class DomainXml {
    /** The guest's eth0 address on QEMU's user-mode network (slirp's default guest address). */
    public static final String GUEST_CIDR = "10.0.2.15/24";

    private DomainXml() {}

    /** The kernel command line: serial console, no reboot on panic, the guest address and the echo port. */
    public static String kernelCmdline(DomainSpec spec) {
        return "console=ttyS0 quiet panic=-1 vmqos.ip=" + GUEST_CIDR + " vmqos.echo_port=" + spec.echoPort();
    }

    /**
     * The domain XML.
     *
     * @param kernel     kernel path readable by the QEMU user
     * @param initrd     initrd path readable by the QEMU user
     * @param consoleLog file the serial console is written to (libvirt creates it)
     */
    public static String build(DomainSpec spec, Path kernel, Path initrd, Path consoleLog) {
        return build(spec, kernel, initrd, consoleLog, "");
    }

    /** The domain XML with {@code metadata} (elements in their own namespaces, e.g. vmqos's) under {@code <metadata>}. */
    public static String build(DomainSpec spec, Path kernel, Path initrd, Path consoleLog, String metadata) {
        StringBuilder x = new StringBuilder(1024);
        x.append("<domain type='qemu'>\n");
        x.append("  <name>").append(escape(spec.name())).append("</name>\n");
        if (!metadata.isBlank()) x.append("  <metadata>\n").append(metadata.strip()).append("\n  </metadata>\n");
        x.append("  <memory unit='MiB'>").append(spec.memoryMiB()).append("</memory>\n");
        x.append("  <vcpu placement='static'>").append(spec.vcpus()).append("</vcpu>\n");
        if (spec.iothreads() > 0) x.append("  <iothreads>").append(spec.iothreads()).append("</iothreads>\n");
        x.append("  <os>\n");
        x.append("    <type arch='x86_64' machine='pc'>hvm</type>\n");
        x.append("    <kernel>").append(escape(kernel.toString())).append("</kernel>\n");
        x.append("    <initrd>").append(escape(initrd.toString())).append("</initrd>\n");
        x.append("    <cmdline>").append(escape(kernelCmdline(spec))).append("</cmdline>\n");
        x.append("  </os>\n");
        x.append("  <on_poweroff>destroy</on_poweroff>\n");
        x.append("  <on_reboot>destroy</on_reboot>\n");
        x.append("  <on_crash>destroy</on_crash>\n");
        x.append("  <devices>\n");
        x.append("    <interface type='user'>\n");
        x.append("      <model type='virtio'/>\n");
        x.append("    </interface>\n");
        x.append("    <serial type='file'>\n");
        x.append("      <source path='").append(escape(consoleLog.toString())).append("'/>\n");
        x.append("      <target port='0'/>\n");
        x.append("    </serial>\n");
        x.append("    <memballoon model='none'/>\n");
        x.append("  </devices>\n");
        x.append("</domain>\n");
        return x.toString();
    }

    /** Escapes the five XML special characters (text and single-quoted attributes). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '\'' -> b.append("&apos;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
