package io.vmqos.cli;

import io.vmqos.host.config.DomainXmlParser;

import java.nio.file.Path;

/**
 * The text of libvirt's QEMU hook {@code /etc/libvirt/hooks/qemu.d/vmqos}: a POSIX shell script that lets every call
 * but the four vmqos needs return at once, and every domain without vmqos metadata (checked with a shell pattern, no
 * JVM started), then runs {@link HookMain} on the given Java runtime and jar with JVM options for a quick start. Pure.
 */
final class HookScript {
    /** Where libvirt (6.5 and later) runs the QEMU hooks of a directory, each in turn. */
    static final Path DEFAULT_DIR = Path.of("/etc/libvirt/hooks/qemu.d");
    static final String NAME = "vmqos";
    /** A line every script written by vmqos has, so that {@code uninstall} removes only its own. */
    static final String MARK = "# vmqos libvirt hook";
    /** Default directory of the hook's class-data archive (the package makes it; purge removes it). */
    static final Path DEFAULT_CACHE = Path.of("/var/cache/vmqos");

    private HookScript() {}

    /**
     * @param java the Java runtime's {@code bin/java}
     * @param classpath the vmqos jar (or a class path)
     * @param runDir the agent's run directory when it is not the default /run/vmqos (its socket is there); null for the default
     * @param cacheDir where the JVM keeps the hook's class-data archive (made on first use, when the directory exists
     *     and the class path is one jar: it starts the hook in ~150 ms instead of ~270 ms)
     */
    static String text(Path java, String classpath, Path runDir, Path cacheDir) {
        return "#!/bin/sh\n"
                + MARK + " (written by `vmqos hook install`; `vmqos hook uninstall` removes it).\n"
                + "# libvirt runs it for every QEMU domain event with the domain XML on stdin, and waits for it. vmqos needs four:\n"
                + "#   prepare begin, migrate begin: admission (exit 1 refuses; the reason goes to virsh's error)\n"
                + "#   started begin: reserve now; release end: release\n"
                + "# All else returns at once, as does a domain without vmqos metadata. It never calls back into libvirt.\n"
                + "case \"$2 $3\" in\n"
                + "  \"prepare begin\"|\"migrate begin\"|\"started begin\"|\"release end\") ;;\n"
                + "  *) exit 0 ;;\n"
                + "esac\n"
                + "xml=$(cat)\n"
                + "case \"$xml\" in\n"
                + "  *'" + DomainXmlParser.NAMESPACE + "'*) ;;\n"
                + "  *) exit 0 ;;\n"
                + "esac\n"
                + (runDir == null ? "" : "export VMQOS_RUN_DIR=" + quote(runDir.toString()) + "\n")
                + "printf '%s\\n' \"$xml\" | exec " + quote(java.toString())
                + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xlog:disable"
                // the JVM archives only classes from jars: a class path of directories (a build tree) runs without
                + (classpath.endsWith(".jar") && !classpath.contains(":")
                        ? " -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=" + quote(cacheDir.resolve("hook.jsa").toString()) : "")
                + " -cp " + quote(classpath)
                + " io.vmqos.cli.HookMain \"$@\"\n";
    }

    /** A single-quoted shell word. */
    static String quote(String s) { return "'" + s.replace("'", "'\\''") + "'"; }
}
