"use client";
// The panel's edit forms as the pages use them: rendered on the server, their code (and react-hook-form's)
// loaded at the page's first interaction (components/deferred.tsx). Import a form from here, not from its
// own module, or its code joins the page's first load again.
import { deferred } from "./deferred";

export const AuditArchiveForm = deferred(() => import("./audit-archive-form").then((m) => m.AuditArchiveForm), "audit-archive");
export const CopyPolicy = deferred(() => import("./copy-policy").then((m) => m.CopyPolicy), "copy-policy");
export const CustomRuleForm = deferred(() => import("./custom-rule-form").then((m) => m.CustomRuleForm), "custom-rule");
export const ExclusionForm = deferred(() => import("./exclusion-form").then((m) => m.ExclusionForm), "exclusion");
export const RegisterNodeForm = deferred(() => import("./node-register").then((m) => m.RegisterNodeForm), "node-register");
export const PolicyForm = deferred(() => import("./policy-form").then((m) => m.PolicyForm), "policy");
export const TemplateForm = deferred(() => import("./template-form").then((m) => m.TemplateForm), "template");
export const UserCreateForm = deferred(() => import("./user-form").then((m) => m.UserCreateForm), "user-create");
export const VhostForm = deferred(() => import("./vhost-form").then((m) => m.VhostForm), "vhost");
