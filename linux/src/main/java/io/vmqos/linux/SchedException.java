package io.vmqos.linux;

/**
 * A refused {@code sched_setattr}/{@code sched_getattr}, typed by errno. The message names the cause and the
 * fix; {@link #tid()} is the thread the call was about.
 */
public abstract sealed class SchedException extends RuntimeException
        permits SchedException.InvalidParameters, SchedException.AdmissionRefused,
                SchedException.PermissionDenied, SchedException.ThreadGone, SchedException.Other {

    private final int tid;
    private final int errno;

    SchedException(int tid, int errno, String message) {
        super(message);
        this.tid = tid;
        this.errno = errno;
    }

    public int tid() { return tid; }
    public int errno() { return errno; }

    /** EINVAL: a parameter rule was broken (which one is in the message). */
    public static final class InvalidParameters extends SchedException {
        public InvalidParameters(int tid, String message) { super(tid, 22, message); }
    }

    /** EBUSY: deadline admission control refused the bandwidth (held/capacity in the message). */
    public static final class AdmissionRefused extends SchedException {
        public AdmissionRefused(int tid, String message) { super(tid, 16, message); }
    }

    /** EPERM: no privilege, or an affinity narrower than the root domain. */
    public static final class PermissionDenied extends SchedException {
        public PermissionDenied(int tid, String message) { super(tid, 1, message); }
    }

    /** ESRCH: the thread does not exist (any more). */
    public static final class ThreadGone extends SchedException {
        public ThreadGone(int tid, String message) { super(tid, 3, message); }
    }

    /** Any other errno. */
    public static final class Other extends SchedException {
        public Other(int tid, int errno, String message) { super(tid, errno, message); }
    }
}
