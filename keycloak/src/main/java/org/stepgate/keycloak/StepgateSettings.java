package org.stepgate.keycloak;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The authenticator's settings, as an admin typed them in the admin console, checked once per
 * use. A setting that cannot be used is a {@link Problem} naming it: the sign-in is then refused,
 * never let through, because a misconfigured confirmation step is no confirmation step.
 */
public record StepgateSettings(
    URI url,
    String token,
    Duration timeout,
    Set<String> portalClients,
    boolean failOpen,
    String mobileAttribute,
    String userTypeAttribute) {

  public static final String URL = "stepgate.url";
  public static final String TOKEN = "stepgate.token";
  public static final String TIMEOUT = "stepgate.timeout";
  public static final String PORTAL_CLIENTS = "stepgate.portal_clients";
  public static final String WHEN_UNREACHABLE = "stepgate.when_unreachable";
  public static final String MOBILE_ATTRIBUTE = "stepgate.mobile_attribute";
  public static final String USER_TYPE_ATTRIBUTE = "stepgate.user_type_attribute";

  public static final String FAIL_CLOSED = "fail-closed";
  public static final String FAIL_OPEN = "fail-open";
  public static final String DEFAULT_TIMEOUT_SECONDS = "5";
  public static final String DEFAULT_MOBILE_ATTRIBUTE = "phoneNumber";
  public static final String DEFAULT_USER_TYPE_ATTRIBUTE = "userType";

  /** How Keycloak stores a multivalued string setting ({@code Constants.CFG_DELIMITER}). */
  static final String MULTIVALUED_DELIMITER = "##";

  private static final int MAX_TIMEOUT_SECONDS = 60;

  /** A setting that cannot be used, said in words an admin can act on. */
  public static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;

    Problem(String message) {
      super(message);
    }
  }

  /**
   * Reads the settings of one execution. {@code secrets} turns the token setting into the token:
   * Keycloak's vault transcriber, which returns a plain value as it is and resolves
   * {@code ${vault.name}}; it answers null when the vault has no such secret.
   */
  public static StepgateSettings read(Map<String, String> config, UnaryOperator<String> secrets)
      throws Problem {
    if (config == null) {
      throw new Problem(
          "the stepgate identity confirmation step has no settings: open its gear icon in the flow and set at least the stepgate URL and the sidecar API token");
    }
    URI url = url(config.get(URL));
    String rawToken = trimmed(config.get(TOKEN));
    if (rawToken == null) throw new Problem("'" + TOKEN + "' (sidecar API token) is not set");
    String token = secrets.apply(rawToken);
    if (token == null || token.isBlank()) {
      throw new Problem("'" + TOKEN + "' names a vault secret that the vault does not hold: " + rawToken);
    }
    return new StepgateSettings(
        url,
        token.trim(),
        timeout(config.get(TIMEOUT)),
        list(config.get(PORTAL_CLIENTS)),
        failOpen(config.get(WHEN_UNREACHABLE)),
        orDefault(config.get(MOBILE_ATTRIBUTE), DEFAULT_MOBILE_ATTRIBUTE),
        orDefault(config.get(USER_TYPE_ATTRIBUTE), DEFAULT_USER_TYPE_ATTRIBUTE));
  }

  private static URI url(String value) throws Problem {
    String text = trimmed(value);
    if (text == null) throw new Problem("'" + URL + "' (stepgate URL) is not set");
    URI uri;
    try {
      uri = URI.create(text.replaceAll("/+$", ""));
    } catch (IllegalArgumentException e) {
      throw new Problem("'" + URL + "' must be a URL like https://stepgate.internal/_stepgate but it is '" + text + "'");
    }
    String scheme = uri.getScheme();
    if (!("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme)) || uri.getHost() == null) {
      throw new Problem("'" + URL + "' must be an http or https URL like https://stepgate.internal/_stepgate but it is '" + text + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new Problem("'" + URL + "' must not have a query or fragment: '" + text + "'");
    }
    return uri;
  }

  private static Duration timeout(String value) throws Problem {
    String text = orDefault(value, DEFAULT_TIMEOUT_SECONDS);
    try {
      int seconds = Integer.parseInt(text);
      if (seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS) return Duration.ofSeconds(seconds);
    } catch (NumberFormatException e) {
      // named below
    }
    throw new Problem(
        "'" + TIMEOUT + "' must be a whole number of seconds from 1 to " + MAX_TIMEOUT_SECONDS + " but it is '" + text + "'");
  }

  private static boolean failOpen(String value) throws Problem {
    String text = orDefault(value, FAIL_CLOSED);
    if (text.equals(FAIL_CLOSED)) return false;
    if (text.equals(FAIL_OPEN)) return true;
    throw new Problem(
        "'" + WHEN_UNREACHABLE + "' must be '" + FAIL_CLOSED + "' or '" + FAIL_OPEN + "' but it is '" + text + "'");
  }

  private static Set<String> list(String value) {
    if (value == null) return Set.of();
    return Arrays.stream(value.split(MULTIVALUED_DELIMITER))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  private static String orDefault(String value, String fallback) {
    String text = trimmed(value);
    return text == null ? fallback : text;
  }

  private static String trimmed(String value) {
    if (value == null || value.isBlank()) return null;
    return value.trim();
  }

  /** Never the token: records print themselves in logs and exceptions. */
  @Override
  public String toString() {
    return "StepgateSettings[url=" + url + ", timeout=" + timeout + ", portalClients=" + portalClients
        + ", failOpen=" + failOpen + ", mobileAttribute=" + mobileAttribute + ", userTypeAttribute="
        + userTypeAttribute + "]";
  }
}
