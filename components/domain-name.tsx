// A domain as people read it: the Unicode form, with the stored punycode beside it when they differ
// ("bücher.example.de (xn--bcher-kva.example.de)"); a plain ASCII name as it is. Server pages get both forms
// from lib/vhosts/display.ts; client components receive them as props.
export function DomainName({ ascii, unicode }: { ascii: string; unicode?: string | undefined }) {
  if (!unicode || unicode === ascii) return <>{ascii}</>;
  return (
    <>
      {unicode} <span className="font-normal text-slate-600">({ascii})</span>
    </>
  );
}
