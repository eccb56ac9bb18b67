package org.stepgate.keycloak;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.vault.VaultStringSecret;

/**
 * "stepgate identity confirmation": after the password (or the identity provider), asks stepgate
 * whether this sign-in must be confirmed, and if so shows stepgate's methods and checks the code.
 * It comes after the step that identifies the user ({@link #requiresUser()}).
 */
public final class StepgateAuthenticator implements Authenticator {
  private static final Logger LOG = Logger.getLogger(StepgateAuthenticator.class);

  @Override
  public void authenticate(AuthenticationFlowContext context) {
    Confirmation confirmation = confirmation(context);
    if (confirmation != null) confirmation.begin();
  }

  @Override
  public void action(AuthenticationFlowContext context) {
    Confirmation confirmation = confirmation(context);
    if (confirmation != null) confirmation.act(context.getHttpRequest().getDecodedFormParameters());
  }

  /** The settings of this execution; when they cannot be used the sign-in is refused here. */
  private static Confirmation confirmation(AuthenticationFlowContext context) {
    AuthenticatorConfigModel config = context.getAuthenticatorConfig();
    try {
      return new Confirmation(new Context(context), settings(context.getSession(), config));
    } catch (StepgateSettings.Problem problem) {
      LOG.errorf("stepgate: refusing the sign-in of %s: %s", context.getUser().getUsername(), problem.getMessage());
      context.failureChallenge(
          AuthenticationFlowError.INTERNAL_ERROR,
          Pages.refusal(context.form(), new Outcome.Refuse(Outcome.Reason.MISCONFIGURED, problem.getMessage())));
      return null;
    }
  }

  /** Reads the settings; the token may be a vault reference such as {@code ${vault.stepgate_token}}. */
  static StepgateSettings settings(KeycloakSession session, AuthenticatorConfigModel config)
      throws StepgateSettings.Problem {
    return StepgateSettings.read(
        config == null ? null : config.getConfig(),
        raw -> {
          try (VaultStringSecret secret = session.vault().getStringSecret(raw)) {
            return secret.get().orElse(null);
          }
        });
  }

  /**
   * Everyone can be asked: stepgate decides per sign-in, and email needs no set-up. Answering
   * false would make Keycloak skip this step and rely on a required action an admin may disable.
   */
  @Override
  public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
    return true;
  }

  @Override
  public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    // Never called: configuredFor is always true.
  }

  @Override
  public boolean requiresUser() {
    return true;
  }

  @Override
  public void close() {}

  /** The authenticator's side of {@link FlowStep}. */
  private static final class Context extends FlowStep {
    private final AuthenticationFlowContext context;

    Context(AuthenticationFlowContext context) {
      super(
          context.getSession(),
          context.getRealm(),
          context.getUser(),
          context.getAuthenticationSession(),
          context.getConnection(),
          context.getHttpRequest());
      this.context = context;
    }

    @Override
    LoginFormsProvider form() {
      return context.form();
    }

    @Override
    String settingsId() {
      return context.getAuthenticatorConfig().getId();
    }

    @Override
    void show(Response page, boolean wrongCode) {
      if (wrongCode) context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, page);
      else context.challenge(page);
    }

    @Override
    void proceed() {
      context.success();
    }

    @Override
    void refuse(Outcome.Reason reason, Response page) {
      AuthenticationFlowError error =
          switch (reason) {
            case DENIED -> AuthenticationFlowError.ACCESS_DENIED;
            case LOCKED -> AuthenticationFlowError.USER_TEMPORARILY_DISABLED;
            default -> AuthenticationFlowError.INTERNAL_ERROR;
          };
      context.failureChallenge(error, page);
    }

    @Override
    boolean handsOverRegistration() {
      return true;
    }
  }
}
