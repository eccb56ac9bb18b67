package org.stepgate.keycloak;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** Registers "stepgate identity confirmation" and the settings the admin console shows for it. */
public final class StepgateAuthenticatorFactory implements AuthenticatorFactory {
  public static final String ID = "stepgate-identity-confirmation";

  private static final StepgateAuthenticator AUTHENTICATOR = new StepgateAuthenticator();

  /** REQUIRED or DISABLED only: an ALTERNATIVE step could be passed by another one. */
  private static final AuthenticationExecutionModel.Requirement[] REQUIREMENTS = {
    AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED
  };

  private static final List<ProviderConfigProperty> SETTINGS =
      ProviderConfigurationBuilder.create()
          .property()
          .name(StepgateSettings.URL)
          .label("stepgate URL")
          .helpText(
              "stepgate's public_url followed by its base_path, e.g. https://stepgate.internal/_stepgate. "
                  + "The provider calls {this URL}/sidecar/v1/... ; use https outside a test.")
          .type(ProviderConfigProperty.STRING_TYPE)
          .required(true)
          .add()
          .property()
          .name(StepgateSettings.TOKEN)
          .label("Sidecar API token")
          .helpText(
              "A token from stepgate's admin.api_tokens with the scope 'sidecar', or a vault reference "
                  + "such as ${vault.stepgate_token}.")
          .type(ProviderConfigProperty.PASSWORD)
          .secret(true)
          .required(true)
          .add()
          .property()
          .name(StepgateSettings.TIMEOUT)
          .label("Request timeout (seconds)")
          .helpText("How long to wait for stepgate on each call, 1 to 60 seconds. No answer in time counts as unreachable.")
          .type(ProviderConfigProperty.STRING_TYPE)
          .defaultValue(StepgateSettings.DEFAULT_TIMEOUT_SECONDS)
          .add()
          .property()
          .name(StepgateSettings.PORTAL_CLIENTS)
          .label("Portal clients")
          .helpText(
              "Client IDs that are the portal entry point (entry_point: portal in stepgate's policy). "
                  + "Every other client is the standard entry point.")
          .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
          .add()
          .property()
          .name(StepgateSettings.WHEN_UNREACHABLE)
          .label("When stepgate cannot be reached")
          .helpText(
              "fail-closed (the default): the sign-in is refused with a page saying so. fail-open: the "
                  + "sign-in goes on without confirmation, and each one is logged as a warning. Answers "
                  + "stepgate gives (deny, locked, a refused token) are always obeyed.")
          .type(ProviderConfigProperty.LIST_TYPE)
          .options(StepgateSettings.FAIL_CLOSED, StepgateSettings.FAIL_OPEN)
          .defaultValue(StepgateSettings.FAIL_CLOSED)
          .add()
          .property()
          .name(StepgateSettings.MOBILE_ATTRIBUTE)
          .label("Mobile number attribute")
          .helpText(
              "The user attribute holding a mobile number in E.164 (+14155550123). stepgate treats it as "
                  + "verified, so only admins may edit it (user profile permissions).")
          .type(ProviderConfigProperty.STRING_TYPE)
          .defaultValue(StepgateSettings.DEFAULT_MOBILE_ATTRIBUTE)
          .add()
          .property()
          .name(StepgateSettings.USER_TYPE_ATTRIBUTE)
          .label("User type attribute")
          .helpText("The user attribute holding standard, portal or external (user_type in stepgate's policy).")
          .type(ProviderConfigProperty.STRING_TYPE)
          .defaultValue(StepgateSettings.DEFAULT_USER_TYPE_ATTRIBUTE)
          .add()
          .build();

  @Override
  public String getId() {
    return ID;
  }

  @Override
  public String getDisplayType() {
    return "stepgate identity confirmation";
  }

  @Override
  public String getReferenceCategory() {
    return "stepgate";
  }

  @Override
  public String getHelpText() {
    return "Asks stepgate whether this sign-in must be confirmed (SMS, email, authenticator app or a help desk's code) and checks the answer.";
  }

  @Override
  public boolean isConfigurable() {
    return true;
  }

  @Override
  public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
    return REQUIREMENTS.clone();
  }

  @Override
  public boolean isUserSetupAllowed() {
    return false;
  }

  @Override
  public List<ProviderConfigProperty> getConfigProperties() {
    return SETTINGS;
  }

  @Override
  public Authenticator create(KeycloakSession session) {
    return AUTHENTICATOR;
  }

  @Override
  public void init(Config.Scope config) {}

  @Override
  public void postInit(KeycloakSessionFactory factory) {}

  @Override
  public void close() {}
}
