package io.vmqos.lab;

import java.util.List;

/** How QEMU executes guest code: hardware KVM or the TCG translator (multi-threaded, one host thread per vCPU). */
public enum Accel {
    KVM(List.of("-accel", "kvm", "-cpu", "host")),
    TCG(List.of("-accel", "tcg,thread=multi"));

    private final List<String> qemuArgs;

    Accel(List<String> qemuArgs) { this.qemuArgs = qemuArgs; }

    /** The QEMU command-line arguments selecting this accelerator. */
    public List<String> qemuArgs() { return qemuArgs; }
}
