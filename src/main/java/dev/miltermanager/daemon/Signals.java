package dev.miltermanager.daemon;

import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The daemon's signals, as the reference handles them: SIGHUP reloads, SIGTERM and SIGINT stop gracefully.
 *
 * <p>Handlers are installed through {@code sun.misc.Signal} (module {@code jdk.unsupported}, present in every JDK
 * 21+ image), reached reflectively so the build uses no internal API. Installing them replaces the JVM's own
 * handling of those signals, which would run the shutdown hooks and exit at once: after {@link #install} a SIGTERM
 * only calls {@code onStop}, and the daemon exits when it is done. The actions run one at a time, in arrival order,
 * on one thread of their own (two quick SIGHUPs make two reloads, never at once); they should not block for long.
 */
final class Signals {
    private static final System.Logger LOG = System.getLogger(Signals.class.getName());

    private Signals() {
    }

    /**
     * Installs the handlers.
     *
     * @return whether they could be installed; when not (a JDK without {@code jdk.unsupported}), the JVM's default
     *     handling stays: SIGTERM/SIGINT run the shutdown hooks, SIGHUP too (so a shutdown hook should still stop the
     *     daemon gracefully), and the reason is logged
     */
    static boolean install(Runnable onReload, Runnable onStop) {
        ExecutorService actions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "milter-manager-signals");
            t.setDaemon(true);
            return t;
        });
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Method handle = signal.getMethod("handle", signal, handlerType);
            handle(signal, handlerType, handle, "HUP", actions, onReload);
            handle(signal, handlerType, handle, "TERM", actions, onStop);
            handle(signal, handlerType, handle, "INT", actions, onStop);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            actions.shutdown();
            LOG.log(Level.WARNING, "[daemon][signal] cannot handle SIGHUP/SIGTERM/SIGINT (" + e
                    + "): reload through the control interface; SIGTERM runs the shutdown hooks");
            return false;
        }
    }

    private static void handle(Class<?> signal, Class<?> handlerType, Method handle, String name,
            ExecutorService actions, Runnable action) throws ReflectiveOperationException {
        InvocationHandler calls = (proxy, method, args) -> switch (method.getName()) {
            case "handle" -> {
                LOG.log(Level.INFO, () -> "[daemon][signal] SIG" + name);
                actions.execute(action);
                yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> "SIG" + name + " handler";
        };
        Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerType}, calls);
        handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
    }
}
