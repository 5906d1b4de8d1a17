// The two-factor part of /account and of /two-factor/setup (server component): reads the status and, when
// it is off, makes a fresh secret and its QR code for the enrolment form.
import { newEnrolment, twoFactorStatus } from "@/lib/two-factor/service";
import { TwoFactorSettings } from "./two-factor-settings";

export async function TwoFactorSection({ user, afterEnrol }: { user: { id: string; email: string }; afterEnrol?: string }) {
  const status = await twoFactorStatus(user.id);
  const enrolment = status.enabled ? null : { ...(await newEnrolment(user.email)), account: user.email };
  return (
    <TwoFactorSettings
      status={{ enabled: status.enabled, enabledAt: status.enabledAt?.toISOString() ?? null, recoveryCodesLeft: status.recoveryCodesLeft }}
      enrolment={enrolment && { secret: enrolment.secret, qrSvg: enrolment.qrSvg, account: enrolment.account }}
      afterEnrol={afterEnrol}
    />
  );
}
