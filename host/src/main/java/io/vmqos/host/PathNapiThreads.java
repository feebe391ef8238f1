package io.vmqos.host;

import io.vmqos.core.config.VmConfig;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetPath;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.linux.net.NetException;
import io.vmqos.linux.net.NetPathDiscovery;
import io.vmqos.linux.net.TapDiscovery;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The napi stage's threads of a configured VM, read-only: the NAPI (and IRQ) kernel threads already present on the
 * path from each of its taps (tap → bridge → ports). It turns nothing on — a device whose NAPI is not threaded has
 * no thread to reserve (then the stage gets none and {@link HostPlanning} says so); `vmqos vm reserve --napi`
 * turns threaded NAPI on with a recorded, reversible change. A VM without a tap or a path that cannot be read
 * yields no thread. Called from the planning thread.
 */
public final class PathNapiThreads implements NapiThreadSource {
    private final VmFinder finder;
    private final TapDiscovery taps;
    private final NetPathDiscovery paths;

    public PathNapiThreads(VmFinder finder, TapDiscovery taps, NetPathDiscovery paths) {
        this.finder = finder;
        this.taps = taps;
        this.paths = paths;
    }

    /** The real host's discovery. */
    public static PathNapiThreads system(VmFinder finder) {
        return new PathNapiThreads(finder, new TapDiscovery(), NetPathDiscovery.system());
    }

    @Override
    public List<Integer> napiThreads(VmConfig vm) {
        TreeSet<Integer> tids = new TreeSet<>();
        try {
            VmThreads t = finder.find(vm.locator());
            for (TapRef tap : taps.tapsOf(t.pid())) {
                NetPath path = paths.discover(tap.name(), tap.ns());
                for (KernelThread k : path.packetThreads()) tids.add(k.pid());
            }
        } catch (NetException | io.vmqos.qemu.VmDiscoveryException | io.vmqos.qemu.QmpException e) {
            return List.of(); // no tap, no bridge, VM not running: the planning notes that no NAPI thread was found
        }
        return new ArrayList<>(tids);
    }
}
