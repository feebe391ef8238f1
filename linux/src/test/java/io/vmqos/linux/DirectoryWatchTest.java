package io.vmqos.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.vmqos.linux.DirectoryWatch.Kind.CREATED;
import static io.vmqos.linux.DirectoryWatch.Kind.DELETED;
import static io.vmqos.linux.DirectoryWatch.Kind.MODIFIED;
import static org.assertj.core.api.Assertions.assertThat;

/** DirectoryWatch on a real file system (inotify through the JDK's WatchService). */
class DirectoryWatchTest {
    record Change(Path dir, String name, DirectoryWatch.Kind kind) {}

    @TempDir Path tmp;
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private DirectoryWatch watch;

    @AfterEach
    void close() { if (watch != null) watch.close(); }

    private void open(Path... dirs) throws IOException {
        watch = DirectoryWatch.open(List.of(dirs), (dir, name, kind) ->
                changes.add(new Change(dir, name == null ? null : name.toString(), kind)));
    }

    @Test
    void reportsFilesCreatedModifiedAndDeleted() throws Exception {
        Files.writeString(tmp.resolve("old"), "x");
        open(tmp);
        Path f = tmp.resolve("NAME.pid");
        Files.writeString(f, "1234");
        await(new Change(tmp, "NAME.pid", CREATED));
        Files.writeString(f, "5678");
        await(new Change(tmp, "NAME.pid", MODIFIED));
        Files.delete(f);
        await(new Change(tmp, "NAME.pid", DELETED));
        assertThat(changes).as("entries there before open are not reported").noneMatch(c -> c.name().equals("old"));
    }

    @Test
    void directoryCreatedLaterIsWatchedOnceItAppears() throws Exception {
        Path target = tmp.resolve("run/libvirt/qemu");
        open(target);
        Files.createDirectory(tmp.resolve("run"));
        Files.createDirectory(tmp.resolve("run/libvirt"));
        Files.createDirectory(target);
        Thread.sleep(100); // the watch moves down to the new directory
        Files.writeString(target.resolve("vm1.pid"), "1");
        await(new Change(target, "vm1.pid", CREATED));
        assertThat(changes).as("nothing reported from the ancestors").allMatch(c -> c.dir().equals(target));
    }

    @Test
    void entriesOfADirectoryFilledAsItAppearsAreReported() throws Exception {
        Path target = tmp.resolve("a/b/c");
        open(target);
        Files.createDirectories(target); // no pause: the file may be there before the watch on c takes hold
        Files.writeString(target.resolve("qmp.sock"), "");
        await(new Change(target, "qmp.sock", CREATED));
    }

    @Test
    void directoryDeletedAndRecreatedIsWatchedAgain() throws Exception {
        Path target = tmp.resolve("qemu");
        Files.createDirectory(target);
        open(target);
        Files.writeString(target.resolve("one"), "1");
        await(new Change(target, "one", CREATED));
        deleteTree(target);
        await(new Change(target, "one", DELETED));
        Thread.sleep(100);
        Files.createDirectory(target);
        Files.writeString(target.resolve("two"), "2");
        await(new Change(target, "two", CREATED));
        deleteTree(target);
        Files.createDirectory(target); // again, at once
        Files.writeString(target.resolve("three"), "3");
        await(new Change(target, "three", CREATED));
    }

    @Test
    void watchesSeveralDirectoriesOneInsideAnother() throws Exception {
        Path outer = tmp.resolve("outer"), inner = outer.resolve("inner");
        Files.createDirectory(outer);
        open(outer, inner);
        Files.createDirectory(inner);
        await(new Change(outer, "inner", CREATED));
        Thread.sleep(100);
        Files.writeString(inner.resolve("f"), "");
        await(new Change(inner, "f", CREATED));
    }

    @Test
    void closeEndsTheThreadAndIsIdempotent() throws Exception {
        open(tmp);
        ProcEventsTest.assertCloseEndsThreadIdempotently(watch.listenerThread(), watch::close, watch::isOpen);
        Files.writeString(tmp.resolve("late"), "");
        Thread.sleep(100);
        assertThat(changes).isEmpty();
    }

    @Test
    void listenerExceptionDoesNotStopTheWatch() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        watch = DirectoryWatch.open(List.of(tmp), (dir, name, kind) -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("listener failure on purpose (test)");
            changes.add(new Change(dir, name.toString(), kind));
        });
        watch.listenerThread().setUncaughtExceptionHandler((th, ex) -> { });
        Files.writeString(tmp.resolve("first"), "");
        Thread.sleep(100);
        Files.writeString(tmp.resolve("second"), "");
        await(new Change(tmp, "second", CREATED));
    }

    private void await(Change expected) throws InterruptedException {
        ProcEventsTest.within5s(() -> changes.contains(expected), () -> "no " + expected + " within 5 s; got " + changes);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
