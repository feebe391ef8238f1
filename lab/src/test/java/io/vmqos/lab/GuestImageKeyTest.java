package io.vmqos.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuestImageKeyTest {
    static Map<String, String> inputs() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kernel.package", "linux-image-6.1.0-56-amd64");
        m.put("kernel.version", "6.1.192-2");
        m.put("busybox.version", "1:1.35.0-4");
        m.put("udp_echo.c.sha256", "abc");
        return m;
    }

    @Test
    void sameInputsInAnyOrderGiveTheSameKey() {
        Map<String, String> reversed = new HashMap<>();
        inputs().forEach(reversed::put);
        assertThat(GuestImageKey.of(inputs()).hash()).isEqualTo(GuestImageKey.of(reversed).hash()).hasSize(20).matches("[0-9a-f]+");
    }

    @Test
    void anyChangedInputChangesTheKey() {
        String base = GuestImageKey.of(inputs()).hash();
        for (String k : inputs().keySet()) {
            Map<String, String> m = inputs();
            m.put(k, m.get(k) + "x");
            assertThat(GuestImageKey.of(m).hash()).as(k).isNotEqualTo(base);
        }
        Map<String, String> more = inputs();
        more.put("format", "2");
        assertThat(GuestImageKey.of(more).hash()).isNotEqualTo(base);
    }

    @Test
    void keyTextIsSortedLines() {
        assertThat(GuestImageKey.of(Map.of("b", "2", "a", "1")).text()).isEqualTo("a=1\nb=2\n");
    }

    @Test
    void resourcesArePackaged() {
        assertThat(new String(GuestImageBuilder.resource("init"), StandardCharsets.UTF_8)).startsWith("#!/bin/busybox sh").contains("vmqos.ip=");
        assertThat(new String(GuestImageBuilder.resource("udp_echo.c"), StandardCharsets.UTF_8)).contains(GuestImage.READY_MARKER);
    }

    @Test
    void moduleFileNamesMapToModuleNames() {
        assertThat(KernelModules.nameOf("virtio_net.ko")).isEqualTo("virtio_net");
        assertThat(KernelModules.nameOf("virtio-rng.ko.xz")).isEqualTo("virtio_rng");
        assertThat(KernelModules.nameOf("x.ko.zst")).isEqualTo("x");
        assertThat(KernelModules.nameOf("modules.dep")).isNull();
    }

    @Test
    void cpioNewcLayoutIsAlignedAndDeterministic() throws Exception {
        byte[] a = cpio(), b = cpio();
        assertThat(a).isEqualTo(b);
        assertThat(a.length % 4).isZero();
        String s = new String(a, StandardCharsets.US_ASCII);
        assertThat(s).startsWith("070701").contains("init").contains("dev/console").contains("TRAILER!!!");
        // header 110 bytes + "init\0" (5) padded to 116, then data "hi" padded to 120
        assertThat(s.substring(116, 118)).isEqualTo("hi");
    }

    private static byte[] cpio() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CpioNewcWriter w = new CpioNewcWriter(out);
        w.file("init", 0755, "hi".getBytes(StandardCharsets.US_ASCII));
        w.charDevice("dev/console", 0600, 5, 1);
        w.symlink("bin/sh", "busybox");
        w.finish();
        return out.toByteArray();
    }
}
