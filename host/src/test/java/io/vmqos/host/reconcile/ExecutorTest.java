package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.host.state.RecordStore;
import io.vmqos.host.state.StoredAttrs;
import io.vmqos.core.SchedAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExecutorTest {
    @TempDir Path dir;

    /** A step that records a thread entry for {@code tid}, logs its calls, and can be told to fail. */
    final class Fake implements Step {
        final int tid;
        boolean failApply, failUndo;
        final List<String> log;
        final RecordStore store;
        boolean recordedBeforeApply;

        Fake(int tid, List<String> log, RecordStore store) { this.tid = tid; this.log = log; this.store = store; }

        @Override public String describe() { return "step " + tid; }
        @Override public HostRecord intend(HostRecord r) {
            return r.withThread(new HostRecord.ThreadEntry(tid, tid, 1, "t", StoredAttrs.of(SchedAttributes.other()),
                    StoredAttrs.of(SchedAttributes.other(5)), null, null, List.of(new Owner("s", ""))));
        }
        @Override public void apply() {
            recordedBeforeApply = store.read().record().thread(tid).isPresent();
            log.add("apply " + tid);
            if (failApply) throw new IllegalStateException("refused " + tid);
        }
        @Override public HostRecord done(HostRecord r) { return r; }
        @Override public void undo() {
            log.add("undo " + tid);
            if (failUndo) throw new IllegalStateException("stuck " + tid);
        }
    }

    @Test
    void recordsAheadAndRunsInOrder() {
        RecordStore store = new RecordStore(dir.resolve("s.json"));
        List<String> log = new ArrayList<>();
        Fake a = new Fake(1, log, store), b = new Fake(2, log, store);
        Executor.Transaction tx = new Executor(store, CrashPoints.NONE).begin(HostRecord.empty());
        tx.run(List.of(a, b));
        assertThat(log).containsExactly("apply 1", "apply 2");
        assertThat(a.recordedBeforeApply).isTrue();
        assertThat(b.recordedBeforeApply).isTrue();
        assertThat(store.read().record().threads()).hasSize(2);
        assertThat(tx.done()).containsExactly("step 1", "step 2");
    }

    @Test
    void aFailureUndoesTheWholeTransactionAcrossPasses() {
        RecordStore store = new RecordStore(dir.resolve("s.json"));
        List<String> log = new ArrayList<>();
        Fake a = new Fake(1, log, store), b = new Fake(2, log, store), c = new Fake(3, log, store);
        c.failApply = true;
        Executor.Transaction tx = new Executor(store, CrashPoints.NONE).begin(HostRecord.empty());
        tx.run(List.of(a));
        assertThatThrownBy(() -> tx.run(List.of(b, c))).isInstanceOf(ReconcileFailedException.class)
                .hasMessageContaining("step 3 failed: refused 3").hasMessageContaining("rolled back");
        assertThat(log).containsExactly("apply 1", "apply 2", "apply 3", "undo 3", "undo 2", "undo 1");
        assertThat(store.read().record().threads()).isEmpty();
    }

    @Test
    void whatCouldNotBeUndoneStaysRecorded() {
        RecordStore store = new RecordStore(dir.resolve("s.json"));
        List<String> log = new ArrayList<>();
        Fake a = new Fake(1, log, store), b = new Fake(2, log, store);
        a.failUndo = true;
        b.failApply = true;
        ReconcileFailedException e = org.junit.jupiter.api.Assertions.assertThrows(ReconcileFailedException.class,
                () -> new Executor(store, CrashPoints.NONE).begin(HostRecord.empty()).run(List.of(a, b)));
        assertThat(e.rolledBack()).isFalse();
        assertThat(e.undoProblems()).singleElement().asString().contains("stuck 1");
        assertThat(store.read().record().threads()).extracting(HostRecord.ThreadEntry::tid).containsExactly(1);
    }

    @Test
    void crashPointsAreCountedInOrder() {
        RecordStore store = new RecordStore(dir.resolve("s.json"));
        List<String> points = new ArrayList<>();
        new Executor(store, points::add).begin(HostRecord.empty()).run(List.of(new Fake(1, new ArrayList<>(), store)));
        assertThat(points).containsExactly("1 before-intend step 1", "2 before-apply step 1", "3 after-apply step 1", "4 after-done step 1");
    }
}
