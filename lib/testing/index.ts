/**
 * `stepgate/testing`: what an integration test of a set-up with stepgate needs and should not
 * write again (docs/testing.md). Nothing here depends on a test runner.
 */
export { UnexpectedAnswerError, type Agent, type AgentRequest, type AgentResponse } from './agent.js';
export { TestClock, type DurationInput } from './clock.js';
export { testConfig, type TestConfigInput } from './config.js';
export { TestOutbox, codeOf, type Channel, type MessageQuery, type OutboxMessage } from './outbox.js';
export {
  testIdentityProvider,
  readAuthnRequest,
  type AuthnRequest,
  type ResponseOptions,
  type SamlAttribute,
  type SamlUser,
  type TestIdentityProvider,
} from './saml-idp.js';
export {
  signIn,
  type Answer,
  type ConfirmWith,
  type OfferedMethod,
  type SignInOptions,
  type SignInResult,
  type TestUser,
} from './sign-in.js';
export { authenticatorCode, enrollAuthenticator, totpCode, type WithClock } from './totp.js';
export { silentLogger } from '../../bin/logger.js';
