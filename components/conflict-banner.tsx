"use client";
import { Button } from "./ui";

/**
 * Someone else saved first: the form keeps what the user typed and offers to save it over theirs
 * (when the form can) or to load theirs instead.
 */
export function ConflictBanner({ message, onSaveMine }: { message: string; onSaveMine?: () => void }) {
  return (
    <div role="alert" className="space-y-3 rounded-md border border-amber-400 bg-amber-50 p-4 text-sm" data-testid="conflict">
      <p className="font-medium text-amber-900">{message}</p>
      <div className="flex flex-wrap gap-2">
        {onSaveMine && (
          <Button type="button" variant="secondary" onClick={onSaveMine}>
            Save mine over theirs
          </Button>
        )}
        <Button type="button" variant="secondary" onClick={() => window.location.reload()}>
          Discard mine and load theirs
        </Button>
      </div>
    </div>
  );
}
