package io.vmqos.testing;

import io.vmqos.lab.Accel;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One TCG lab VM (1 vCPU) on a lab network of its own, its QMP socket at a given path: what the agent's lab tests
 * reserve. Both are added to {@code open}, to be closed (VM first) by the test.
 */
public record OneLabVm(LabNetwork net, LabVm vm) {
    public static OneLabVm boot(String idPrefix, Path qmp, List<AutoCloseable> open) {
        Packages.ensure(Packages.LAB);
        var image = new GuestImageBuilder().installMissing(true).build();
        LabNetwork net = LabNetwork.create(idPrefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)),
                100 + ThreadLocalRandom.current().nextInt(100));
        open.add(net);
        LabVm vm = new VmLauncher().accel(Accel.TCG).qmpSocket(qmp).launch(net.nextVm(image).withCpus(1));
        open.add(vm);
        return new OneLabVm(net, vm);
    }

    /** The tid of the VM's first vCPU thread ({@code CPU 0/TCG}). */
    public int vcpuTid() {
        io.vmqos.linux.ProcFs proc = new io.vmqos.linux.ProcFs();
        for (int tid : proc.threadsOf((int) vm.pid())) if (proc.comm(tid).orElse("").startsWith("CPU ")) return tid;
        throw new AssertionError("no vCPU thread in " + vm.pid());
    }
}
