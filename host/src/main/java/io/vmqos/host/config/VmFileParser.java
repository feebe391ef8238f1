package io.vmqos.host.config;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.VmConfig;

import java.nio.file.Path;

/**
 * Reads a vm.yaml: one VM in host.yaml's {@code vms[]} schema ({@code name}, one locator, {@code sla},
 * {@code reservations}, ...), refused like a host file with {@code file:line:col key} and the fix. Any thread.
 */
public final class VmFileParser {
    private final HostConfigParser parser;
    private final boolean haveCostModel;

    public VmFileParser(KernelLimits limits, boolean haveCostModel) {
        this.parser = new HostConfigParser(limits);
        this.haveCostModel = haveCostModel;
    }

    /** A parser for VMs sized with a cost model. */
    public VmFileParser() { this(KernelLimits.DEFAULT, true); }

    /** @throws ConfigException naming the place and the fix for anything wrong in the file */
    public VmConfig parse(Path file) { return parser.parseVm(file, haveCostModel); }
}
