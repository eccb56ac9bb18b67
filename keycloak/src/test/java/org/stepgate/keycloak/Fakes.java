package org.stepgate.keycloak;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Keycloak's models are interfaces with dozens of methods; a test implements the few a code path
 * calls; default methods run as Keycloak wrote them. Any other call fails the test with the
 * method's name, so a fake never answers by accident.
 */
final class Fakes {
  private Fakes() {}

  static final class Fake<T> {
    private final Class<T> type;
    private final Map<String, Function<Object[], Object>> answers = new HashMap<>();

    private Fake(Class<T> type) {
      this.type = type;
    }

    Fake<T> on(String method, Function<Object[], Object> answer) {
      answers.put(method, answer);
      return this;
    }

    Fake<T> returns(String method, Object value) {
      return on(method, args -> value);
    }

    T build() {
      InvocationHandler handler =
          (proxy, method, args) -> {
            Function<Object[], Object> answer = answers.get(method.getName());
            if (answer != null) return answer.apply(args == null ? new Object[0] : args);
            if (method.getDeclaringClass() == Object.class) return objectMethod(proxy, method, args);
            if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
            throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName() + " is not faked");
          };
      return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private Object objectMethod(Object proxy, Method method, Object[] args) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return "fake " + type.getSimpleName();
      }
    }
  }

  static <T> Fake<T> fake(Class<T> type) {
    return new Fake<>(type);
  }
}
