package io.vmqos.host.state;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.Reservation;
import io.vmqos.core.desired.DeviceRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class RecordStoreTest {
    @TempDir Path dir;

    static HostRecord sample() {
        Owner o = new Owner("config:/etc/vmqos/host.yaml", "web1");
        return HostRecord.empty()
                .withThread(new HostRecord.ThreadEntry(4242, 4240, 123456, "web1 vcpu0", StoredAttrs.of(SchedAttributes.other()),
                        StoredAttrs.of(SchedAttributes.deadline(Reservation.of(1_000_000, 10_000_000))), "/", "/vmqos-cpu1", List.of(o)))
                .withNapi(new HostRecord.NapiEntry(new DeviceRef("veth0", "lab"), "0", false, true, List.of(o)))
                .withIrq(new HostRecord.IrqEntry(35, "virtio0-input.0", new DeviceRef("eth0", null), "0-1", "1", List.of(o)))
                .withPartition(new HostRecord.PartitionEntry(new TreeSet<>(List.of(1)), new TreeSet<>(List.of(0, 1)), "{\"cpus\":[1]}", List.of(o)))
                .withShaping(new HostRecord.ShapingEntry(new DeviceRef("tap0", null), "egress", 100_000_000, 200_000_000, 15360,
                        List.of(), List.of("1:10"), null, List.of(o)))
                .withVm(new HostRecord.VmEntry(o, 4240, 123400, "qmp /run/web1.qmp"));
    }

    @Test
    void roundTripsAndCountsGenerations() {
        RecordStore s = new RecordStore(dir.resolve("state.json"));
        HostRecord w = s.write(sample());
        assertThat(w.generation()).isEqualTo(1);
        RecordStore.Loaded l = s.read();
        assertThat(l.problem()).isEmpty();
        assertThat(l.record()).isEqualTo(w);
        assertThat(s.write(l.record()).generation()).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("state.json.tmp"))).isFalse();
    }

    @Test
    void aMissingFileIsAnEmptyRecord() {
        RecordStore.Loaded l = new RecordStore(dir.resolve("none.json")).read();
        assertThat(l.problem()).isEmpty();
        assertThat(l.record().isEmpty()).isTrue();
    }

    @Test
    void aTamperedFileIsReportedAndReadAsEmpty() throws Exception {
        RecordStore s = new RecordStore(dir.resolve("state.json"));
        s.write(sample());
        Path f = s.file();
        Files.writeString(f, Files.readString(f).replace("4242", "4243"));
        RecordStore.Loaded l = s.read();
        assertThat(l.problem()).get().asString().contains("checksum does not match");
        assertThat(l.record().isEmpty()).isTrue();
    }

    @Test
    void garbageAndOtherVersionsAreReportedNotThrown() throws Exception {
        RecordStore s = new RecordStore(dir.resolve("state.json"));
        Files.writeString(s.file(), "{ not json");
        assertThat(s.read().problem()).get().asString().contains("does not parse");
        Files.writeString(s.file(), "{\"format\":\"vmqos-host-record\",\"version\":99,\"record\":{}}");
        assertThat(s.read().problem()).get().asString().contains("format version 99");
        Files.writeString(s.file(), "[1,2]");
        assertThat(s.read().problem()).get().asString().contains("not a vmqos-host-record file");
        Files.write(s.file(), new byte[0]);
        assertThat(s.read().problem()).isPresent();
    }

    @Test
    void entriesAreKeyedAndSorted() {
        HostRecord r = sample();
        assertThat(r.thread(4242)).isPresent();
        assertThat(r.withoutThread(4242).thread(4242)).isEmpty();
        assertThat(r.withThread(r.thread(4242).orElseThrow().withOwners(List.of())).threads()).hasSize(1);
        assertThat(r.ownersIn("config:/etc/vmqos/host.yaml")).extracting(Owner::vm).containsExactly("web1");
        assertThat(r.withoutNapi(new DeviceRef("veth0", "lab")).withoutIrq(35).withoutShaping(new DeviceRef("tap0", null), "egress")
                .withoutPartition(new TreeSet<>(List.of(1))).withoutVm(new Owner("config:/etc/vmqos/host.yaml", "web1"))
                .withoutThread(4242).isEmpty()).isTrue();
    }
}
