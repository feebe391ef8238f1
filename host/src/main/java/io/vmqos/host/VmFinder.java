package io.vmqos.host;

import io.vmqos.core.config.VmLocator;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.qemu.VmDiscovery;

import java.nio.file.Path;

/**
 * Finds a configured VM's threads by role. {@link #system()} asks QEMU ({@link VmDiscovery}); tests use fakes.
 * Read-only; each call is a fresh snapshot.
 */
@FunctionalInterface
public interface VmFinder {
    /**
     * @throws io.vmqos.qemu.VmDiscoveryException the VM is not running or not QEMU
     * @throws io.vmqos.qemu.QmpException the QMP socket cannot be reached
     */
    VmThreads find(VmLocator locator);

    /** Discovery through QMP, /proc or libvirt's pidfile, as the locator says. */
    static VmFinder system() {
        return locator -> switch (locator) {
            case VmLocator.Qmp q -> VmDiscovery.viaQmp(Path.of(q.path()));
            case VmLocator.Pid p -> VmDiscovery.viaProc(p.pid());
            case VmLocator.Domain d -> VmDiscovery.viaLibvirtDomain(d.name());
        };
    }
}
