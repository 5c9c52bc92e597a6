package dev.miltermanager.daemon;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/**
 * Runs an action on SIGHUP. The JDK's only hook for it is {@code sun.misc.Signal} (module {@code jdk.unsupported});
 * it is reached by reflection so the build has no warning about internal API, and a JDK without it just has no
 * SIGHUP reload (the control interface's {@code reload} still works).
 */
final class HangUpSignal {
    private HangUpSignal() {
    }

    /** Installs the handler; false when this JDK cannot. The action runs on the JDK's signal thread. */
    static boolean onHangUp(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            InvocationHandler call = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    action.run();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> "SIGHUP handler";
            };
            Object handler = Proxy.newProxyInstance(HangUpSignal.class.getClassLoader(), new Class<?>[] {handlerType},
                    call);
            signal.getMethod("handle", signal, handlerType).invoke(null,
                    signal.getConstructor(String.class).newInstance("HUP"), handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
