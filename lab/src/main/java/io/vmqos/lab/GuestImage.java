package io.vmqos.lab;

import java.nio.file.Path;
import java.util.List;

/**
 * A built guest: a Debian kernel and a busybox initramfs whose /init loads the virtio-net modules, puts
 * {@code vmqos.ip=A.B.C.D/NN} on eth0, starts a UDP echo responder on {@code vmqos.echo_port} (default 7) and
 * prints {@link #READY_MARKER} on the serial console. Files live in the cache directory and are never modified
 * after the build, so one image may boot many VMs at once.
 *
 * @param directory     cache directory of this image ({@code <cacheRoot>/<key hash>})
 * @param kernel        bzImage to pass as -kernel
 * @param initrd        gzip'd newc cpio to pass as -initrd
 * @param kernelRelease e.g. "6.1.0-56-amd64"
 * @param modules       modules loaded by /init, dependencies first
 * @param key           the inputs this image was built from
 */
public record GuestImage(Path directory, Path kernel, Path initrd, String kernelRelease, List<String> modules,
                         GuestImageKey key) {
    /** Printed by the guest's echo responder once it is bound; followed by " port=N". */
    public static final String READY_MARKER = "VMQOS-GUEST-READY";
    /** Default UDP echo port inside the guest. */
    public static final int DEFAULT_ECHO_PORT = 7;

    public GuestImage {
        modules = List.copyOf(modules);
    }

    /** Builds (or reuses from the default cache) the default image; see {@link GuestImageBuilder}. */
    public static GuestImage ensureBuilt() {
        return new GuestImageBuilder().build();
    }
}
