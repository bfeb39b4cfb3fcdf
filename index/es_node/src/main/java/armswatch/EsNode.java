package armswatch;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Runs N real Elasticsearch 8 nodes of the cluster "armswatch" in one JVM, for armswatch's tests.
 *
 * <p>Usage: {@code EsNode <data-dir> [nodes=1] [http-port=9200]}. Node i (1-based) listens on
 * 127.0.0.1, HTTP port {@code port+i-1}, transport port {@code port+100+i-1}, and keeps its data
 * under {@code <data-dir>/node-i}. No security plugin is loaded: plain HTTP on loopback only.
 *
 * <p>Control: SIGTERM closes every node cleanly. Creating the file {@code <data-dir>/stop-node-i}
 * closes node i alone (the file is removed once it is closed); {@code <data-dir>/stop} closes all.
 * The line {@code ARMSWATCH-ES-READY} is printed once every node has started.
 */
public final class EsNode {
    private static final String CLUSTER = "armswatch";

    private EsNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: EsNode <data-dir> [nodes=1] [http-port=9200]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 9200;
        if (count < 1 || count > 9) {
            System.err.println("nodes must be 1..9");
            System.exit(2);
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("stop"));
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(Settings.builder().put("cluster.name", CLUSTER).build());
        Configurator.setRootLevel(Level.INFO); // to stdout/stderr, which armswatch sends to node.log

        List<String> names = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            names.add("node-" + i);
            seeds.add("127.0.0.1:" + (port + 100 + i - 1));
        }
        List<Class<? extends Plugin>> plugins = List.of(Netty4Plugin.class, RootPlugin.class);
        Node[] nodes = new Node[count];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(nodes), "es-node-shutdown"));
        for (int i = 1; i <= count; i++) {
            Path home = dir.resolve("node-" + i);
            Files.deleteIfExists(dir.resolve("stop-node-" + i));
            Settings settings = Settings.builder()
                    .put("cluster.name", CLUSTER)
                    .put("node.name", "node-" + i)
                    .put("path.home", home.toString())
                    .put("path.data", home.resolve("data").toString())
                    .put("path.logs", home.resolve("logs").toString())
                    .put("network.host", "127.0.0.1")
                    .put("http.port", port + i - 1)
                    .put("transport.port", port + 100 + i - 1)
                    .putList("discovery.seed_hosts", seeds)
                    .putList("cluster.initial_master_nodes", names)
                    // Nodes start one after another: node 1 must not wait for a master that needs
                    // node 2. armswatch/es_node.py waits for the whole cluster through _cluster/health.
                    .put("discovery.initial_state_timeout", "0s")
                    .put("cluster.routing.allocation.disk.threshold_enabled", false)
                    .put("action.destructive_requires_name", false)
                    .build();
            Files.createDirectories(home.resolve("config"));
            Node node = newNode(settings, plugins);
            synchronized (nodes) {
                nodes[i - 1] = node;
            }
            node.start();
        }
        System.out.println("ARMSWATCH-ES-READY " + count + " node(s), http " + port);
        System.out.flush();
        watch(dir, nodes);
    }

    /**
     * A MockNode (a real Node whose plugins come from the classpath) built from our own Environment.
     * MockNode's public constructors go through ESTestCase, whose test bootstrap refuses to run as
     * root (CI runs as root), so the private constructor that takes an Environment is used.
     */
    private static Node newNode(Settings settings, Collection<Class<? extends Plugin>> plugins)
            throws ReflectiveOperationException {
        String name = settings.get("node.name");
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> name);
        Constructor<MockNode> ctor = MockNode.class.getDeclaredConstructor(
                Environment.class, Collection.class, boolean.class, Closeable.class);
        ctor.setAccessible(true);
        Closeable onClose = () -> {};
        return ctor.newInstance(env, plugins, true, onClose);
    }

    /** Polls for control files until every node is closed. */
    private static void watch(Path dir, Node[] nodes) throws InterruptedException {
        while (true) {
            boolean any = false;
            for (int i = 0; i < nodes.length; i++) {
                Node node;
                synchronized (nodes) {
                    node = nodes[i];
                }
                if (node == null || node.isClosed()) {
                    continue;
                }
                any = true;
                Path flag = dir.resolve("stop-node-" + (i + 1));
                if (Files.exists(flag)) {
                    close(node);
                    try {
                        Files.deleteIfExists(flag);
                    } catch (IOException e) {
                        // the flag stays; the node is closed all the same
                    }
                }
            }
            if (!any) {
                return;
            }
            if (Files.exists(dir.resolve("stop"))) {
                closeAll(nodes);
                return;
            }
            Thread.sleep(300);
        }
    }

    private static void closeAll(Node[] nodes) {
        synchronized (nodes) {
            for (int i = nodes.length - 1; i >= 0; i--) {
                if (nodes[i] != null) {
                    close(nodes[i]);
                }
            }
        }
    }

    private static void close(Node node) {
        if (node.isClosed()) {
            return;
        }
        try {
            node.prepareForClose();
            node.close();
            node.awaitClose(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("closing a node failed: " + e);
        }
    }
}
