"use client";
// Modal dialogs on the native <dialog> element: it traps focus, closes on Escape and returns focus to the
// button that opened it, so everything here works from the keyboard without extra code.
import { useId, useRef, useState, type ReactNode } from "react";
import { Button } from "./ui";

type Variant = "primary" | "secondary" | "danger" | "ghost";

/** A button that opens a dialog; `children` gets a `close` function (forms close themselves on success). */
export function DialogButton({
  label,
  ariaLabel,
  title,
  variant = "secondary",
  disabled,
  disabledReason,
  children,
}: {
  label: string;
  ariaLabel?: string;
  title: string;
  variant?: Variant;
  disabled?: boolean;
  /** Shown as the button's tooltip and read by screen readers when it is disabled. */
  disabledReason?: string;
  children: (close: () => void) => ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const reasonId = useId();
  // Rendered only while open, so each opening starts with a fresh form.
  const [open, setOpen] = useState(false);
  const close = () => {
    ref.current?.close();
    setOpen(false);
  };
  return (
    <>
      <Button
        type="button"
        variant={variant}
        disabled={disabled}
        aria-label={ariaLabel}
        aria-describedby={disabled && disabledReason ? reasonId : undefined}
        title={disabled ? disabledReason : undefined}
        onClick={() => {
          setOpen(true);
          ref.current?.showModal();
        }}
      >
        {label}
      </Button>
      {disabled && disabledReason && (
        <span id={reasonId} className="sr-only">
          {disabledReason}
        </span>
      )}
      <dialog ref={ref} aria-labelledby={titleId} onClose={() => setOpen(false)} className="m-auto w-full max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40">
        <h2 id={titleId} className="mb-3 text-lg font-semibold">
          {title}
        </h2>
        {open && children(close)}
      </dialog>
    </>
  );
}

/** A button that asks before it acts: for destructive or far-reaching changes. */
export function ConfirmButton({
  label,
  ariaLabel,
  title,
  body,
  confirmLabel,
  variant = "danger",
  triggerVariant = "secondary",
  disabled,
  disabledReason,
  onConfirm,
}: {
  label: string;
  ariaLabel?: string;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  variant?: Variant;
  triggerVariant?: Variant;
  disabled?: boolean;
  disabledReason?: string;
  /** Runs the change; the dialog closes when it settles (errors are shown by the caller as toasts). */
  onConfirm: () => Promise<unknown>;
}) {
  const [pending, setPending] = useState(false);
  return (
    <DialogButton label={label} ariaLabel={ariaLabel} title={title} variant={triggerVariant} disabled={disabled} disabledReason={disabledReason}>
      {(close) => (
        <>
          <div className="mb-4 space-y-2 text-sm text-slate-700">{body}</div>
          <div className="flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={close} autoFocus>
              Cancel
            </Button>
            <Button
              type="button"
              variant={variant}
              disabled={pending}
              onClick={async () => {
                setPending(true);
                try {
                  await onConfirm();
                } finally {
                  setPending(false);
                  close();
                }
              }}
            >
              {pending ? "Working…" : confirmLabel}
            </Button>
          </div>
        </>
      )}
    </DialogButton>
  );
}
