package io.vmqos.linux;

import io.vmqos.core.CpuList;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RootDomainsTest {
    static BitSet cpus(String list) { return CpuList.parse(list); }

    static CpusetNode v1(String path, String cpus, boolean lb, CpusetNode... children) {
        return new CpusetNode(path, cpus(cpus), lb, "", List.of(children));
    }

    static CpusetNode v2(String path, String cpus, String partition, CpusetNode... children) {
        return new CpusetNode(path, cpus(cpus), true, partition, List.of(children));
    }

    static List<String> fmt(List<BitSet> doms) { return doms.stream().map(CpuList::format).toList(); }

    @Test
    void noCpusetIsOneDomainOfOnlineCpusAndIsolcpusShareTheDefaultDomain() {
        assertThat(fmt(RootDomains.flat(cpus("0-1"), new BitSet()))).containsExactly("0-1");
        assertThat(fmt(RootDomains.flat(cpus("0-7"), cpus("6-7")))).containsExactly("0-5", "6-7");
    }

    @Test
    void v1BalancingRootIsOneDomainWhateverTheChildren() {
        CpusetNode root = v1("", "0-3", true, v1("a", "0-1", true), v1("b", "2-3", false));
        assertThat(fmt(RootDomains.v1(root, cpus("0-3"), new BitSet()))).containsExactly("0-3");
    }

    @Test
    void v1PartitionedRootHasOneDomainPerTopmostBalancedCpusetAndLeftoversInTheDefaultDomain() {
        CpusetNode root = v1("", "0-7", false,
                v1("rt", "0-1", true, v1("rt/inner", "1", false)),   // subtree of a balanced cpuset is skipped
                v1("iso", "2-5", false, v1("iso/a", "2-3", true), v1("iso/b", "4", false)),
                v1("over1", "6", true), v1("over2", "6-7", true)); // overlapping balanced cpusets merge
        assertThat(fmt(RootDomains.v1(root, cpus("0-7"), new BitSet()))).containsExactly("0-1", "2-3", "4-5", "6-7");
    }

    @Test
    void v1PartitionedRootWithoutChildrenPutsAllCpusInTheDefaultDomain() {
        assertThat(fmt(RootDomains.v1(v1("", "0-1", false), cpus("0-1"), new BitSet()))).containsExactly("0-1");
    }

    @Test
    void v2PartitionsAreDomainsAndIsolatedPartitionsJoinTheDefaultDomain() {
        CpusetNode root = v2("", "0-1", "root",
                v2("vm", "2-3", "root", v2("vm/x", "3", "member")),
                v2("lat", "4", "isolated"), v2("lat2", "5", "isolated"),
                v2("bad", "", "root invalid (Cpu list in cpuset.cpus not exclusive)"));
        assertThat(fmt(RootDomains.v2(root, cpus("0-5"), new BitSet()))).containsExactly("0-1", "2-3", "4-5");
    }
}
