package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.qemu.VmDiscovery;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How to find a VM: exactly one of {@code --qmp SOCKET}, {@code --pid PID}, {@code --domain NAME}. */
public final class VmTarget {
    @Option(names = "--qmp", paramLabel = "SOCKET", description = "QEMU's QMP UNIX socket.") Path qmp;
    @Option(names = "--pid", paramLabel = "PID", description = "QEMU's pid (needs -name ...,debug-threads=on).") String pid;
    @Option(names = "--domain", paramLabel = "NAME", description = "A libvirt domain name (its pidfile under /run/libvirt/qemu).") String domain;

    /** Discovers the VM's threads by role; refuses none or several ways, and a process that is not QEMU. */
    public VmThreads discover() {
        int given = (qmp != null ? 1 : 0) + (pid != null ? 1 : 0) + (domain != null ? 1 : 0);
        if (given != 1) {
            throw new InvalidInputException("--qmp/--pid/--domain", given == 0 ? "none is given" : "more than one is given",
                    "give exactly one of --qmp SOCKET, --pid PID, --domain NAME");
        }
        if (qmp != null) return VmDiscovery.viaQmp(qmp);
        if (pid != null) return VmDiscovery.viaProc(ThreadSelection.parseId("--pid", pid));
        return VmDiscovery.viaLibvirtDomain(domain);
    }
}
