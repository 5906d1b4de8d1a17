// The sign-in answers of the second step, shared by the server (lib/auth/two-factor-sign-in.ts) and the
// login form, which shows the code field when it reads TWO_FACTOR_REQUIRED.
export const TWO_FACTOR_REQUIRED = "Enter the code from your authenticator app, or one of your recovery codes.";
export const TWO_FACTOR_WRONG = "That code is not valid (or was already used). Enter the code showing now, or an unused recovery code.";
