package org.stepgate.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class StepgateSettingsTest {
  private static final UnaryOperator<String> PLAIN = raw -> raw;

  private static Map<String, String> config(String... pairs) {
    Map<String, String> config = new HashMap<>();
    config.put(StepgateSettings.URL, "https://stepgate.internal/_stepgate/");
    config.put(StepgateSettings.TOKEN, "keycloak-sidecar-token-0123456789abcdefghij");
    for (int i = 0; i < pairs.length; i += 2) config.put(pairs[i], pairs[i + 1]);
    return config;
  }

  private static String problem(Map<String, String> config) {
    return assertThrows(StepgateSettings.Problem.class, () -> StepgateSettings.read(config, PLAIN)).getMessage();
  }

  @Test
  void takesTheDefaultsAnAdminSeesInTheConsole() throws Exception {
    StepgateSettings settings = StepgateSettings.read(config(), PLAIN);
    assertEquals(URI.create("https://stepgate.internal/_stepgate"), settings.url());
    assertEquals(Duration.ofSeconds(5), settings.timeout());
    assertEquals(Set.of(), settings.portalClients());
    assertFalse(settings.failOpen(), "fail closed unless the admin chose otherwise");
    assertEquals("phoneNumber", settings.mobileAttribute());
    assertEquals("userType", settings.userTypeAttribute());
  }

  @Test
  void readsEverySetting() throws Exception {
    StepgateSettings settings =
        StepgateSettings.read(
            config(
                StepgateSettings.TIMEOUT, "12",
                StepgateSettings.PORTAL_CLIENTS, "portal-app##partner-portal## ",
                StepgateSettings.WHEN_UNREACHABLE, "fail-open",
                StepgateSettings.MOBILE_ATTRIBUTE, "mobile",
                StepgateSettings.USER_TYPE_ATTRIBUTE, "employeeType"),
            PLAIN);
    assertEquals(Duration.ofSeconds(12), settings.timeout());
    assertEquals(Set.of("portal-app", "partner-portal"), settings.portalClients());
    assertTrue(settings.failOpen());
    assertEquals("mobile", settings.mobileAttribute());
    assertEquals("employeeType", settings.userTypeAttribute());
  }

  @Test
  void resolvesTheTokenThroughTheVault() throws Exception {
    StepgateSettings settings =
        StepgateSettings.read(
            config(StepgateSettings.TOKEN, "${vault.stepgate_token}"),
            raw -> raw.equals("${vault.stepgate_token}") ? "from-the-vault-0123456789abcdefghijkl" : null);
    assertEquals("from-the-vault-0123456789abcdefghijkl", settings.token());
  }

  @Test
  void namesAVaultSecretThatIsMissing() {
    Map<String, String> config = config(StepgateSettings.TOKEN, "${vault.missing}");
    String message =
        assertThrows(StepgateSettings.Problem.class, () -> StepgateSettings.read(config, raw -> null)).getMessage();
    assertEquals("'stepgate.token' names a vault secret that the vault does not hold: ${vault.missing}", message);
  }

  @Test
  void refusesSettingsThatCannotWork() {
    assertEquals(
        "the stepgate identity confirmation step has no settings: open its gear icon in the flow and set at least the stepgate URL and the sidecar API token",
        assertThrows(StepgateSettings.Problem.class, () -> StepgateSettings.read(null, PLAIN)).getMessage());
    assertEquals("'stepgate.url' (stepgate URL) is not set", problem(config(StepgateSettings.URL, " ")));
    assertEquals("'stepgate.token' (sidecar API token) is not set", problem(config(StepgateSettings.TOKEN, "")));
    assertEquals(
        "'stepgate.url' must be an http or https URL like https://stepgate.internal/_stepgate but it is 'stepgate.internal'",
        problem(config(StepgateSettings.URL, "stepgate.internal")));
    assertEquals(
        "'stepgate.timeout' must be a whole number of seconds from 1 to 60 but it is '0'",
        problem(config(StepgateSettings.TIMEOUT, "0")));
    assertEquals(
        "'stepgate.timeout' must be a whole number of seconds from 1 to 60 but it is '5s'",
        problem(config(StepgateSettings.TIMEOUT, "5s")));
    assertEquals(
        "'stepgate.when_unreachable' must be 'fail-closed' or 'fail-open' but it is 'open'",
        problem(config(StepgateSettings.WHEN_UNREACHABLE, "open")));
  }

  @Test
  void neverPrintsTheToken() throws Exception {
    String printed = StepgateSettings.read(config(), PLAIN).toString();
    assertFalse(printed.contains("keycloak-sidecar-token"), printed);
  }
}
