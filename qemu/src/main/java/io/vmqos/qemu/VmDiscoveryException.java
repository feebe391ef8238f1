package io.vmqos.qemu;

/**
 * VM thread discovery refused or failed. The message names the process or domain, what was found and the fix.
 *
 * <ul>
 *   <li>{@link NoSuchProcess}: no process with that pid (or it exited during discovery).</li>
 *   <li>{@link NotQemu}: the process is not a {@code qemu-system-*}/{@code qemu-kvm} process.</li>
 *   <li>{@link NoThreadNames}: QEMU runs without {@code -name ...,debug-threads=on}, so /proc cannot tell the
 *       vCPU threads apart; use QMP instead.</li>
 *   <li>{@link NoSuchDomain}: no running libvirt domain with that name (no pidfile).</li>
 *   <li>{@link Inconsistent}: QMP and /proc disagree (e.g. QEMU lives in another PID namespace).</li>
 * </ul>
 */
public abstract sealed class VmDiscoveryException extends RuntimeException
        permits VmDiscoveryException.NoSuchProcess, VmDiscoveryException.NotQemu,
                VmDiscoveryException.NoThreadNames, VmDiscoveryException.NoSuchDomain,
                VmDiscoveryException.Inconsistent {

    private final String problem;
    private final String fix;

    VmDiscoveryException(String problem, String fix, Throwable cause) {
        super(problem + " (fix: " + fix + ")", cause);
        this.problem = problem;
        this.fix = fix;
    }

    /** What is wrong, without the fix. */
    public String problem() { return problem; }
    /** What the user should do. */
    public String fix() { return fix; }

    public static final class NoSuchProcess extends VmDiscoveryException {
        private final int pid;
        public NoSuchProcess(int pid, String problem, String fix) { super(problem, fix, null); this.pid = pid; }
        public int pid() { return pid; }
    }

    public static final class NotQemu extends VmDiscoveryException {
        private final int pid;
        public NotQemu(int pid, String problem, String fix) { super(problem, fix, null); this.pid = pid; }
        public int pid() { return pid; }
    }

    public static final class NoThreadNames extends VmDiscoveryException {
        private final int pid;
        public NoThreadNames(int pid, String problem, String fix) { super(problem, fix, null); this.pid = pid; }
        public int pid() { return pid; }
    }

    public static final class NoSuchDomain extends VmDiscoveryException {
        private final String domain;
        public NoSuchDomain(String domain, String problem, String fix, Throwable cause) {
            super(problem, fix, cause);
            this.domain = domain;
        }
        public String domain() { return domain; }
    }

    public static final class Inconsistent extends VmDiscoveryException {
        public Inconsistent(String problem, String fix) { super(problem, fix, null); }
    }
}
