import type { Metadata } from "next";
import { TemplateForm } from "@/components/template-form";
import { PageHeader } from "@/components/ui";
import { requirePageAccess } from "@/lib/auth/page-access";
import { getTemplate } from "@/lib/templates/queries";
import { EMPTY_TEMPLATE_FORM, exclusionToRow, type TemplateFormValues } from "@/lib/templates/schema";

export const metadata: Metadata = { title: "New template" };

export default async function NewTemplatePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageAccess("/templates/new");
  // ?from=<id>: start as a copy of another template (built-in ones can only be changed this way).
  const from = (await searchParams).from;
  const source = typeof from === "string" ? await getTemplate(from) : null;
  const initial: TemplateFormValues =
    source?.policy
      ? {
          ...EMPTY_TEMPLATE_FORM,
          ...source.policy,
          name: `${source.name} copy`,
          description: source.description,
          exclusions: source.policy.exclusions.map(exclusionToRow),
        }
      : EMPTY_TEMPLATE_FORM;
  return (
    <>
      <PageHeader title="New template">{source ? `A copy of "${source.name}": change what you need and give it a name.` : "A starting policy editors can pick when they create a virtual host."}</PageHeader>
      <TemplateForm initial={initial} />
    </>
  );
}
