/** A form that sends one chosen file: the API's refusal shown field by field, its answer shown by `children`. */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useT } from '../i18n/index.tsx';
import { ErrorNote, useAction } from './index.tsx';
import { uiMessages } from './messages.ts';

export function FileImport<R>(p: {
  /** The form's heading, when the page's title does not already say it. */
  heading?: string;
  hint: ReactNode;
  label: string;
  accept: string;
  testId: string;
  /** More choices beside the file (the import's mode, say). */
  fields?: ReactNode;
  send(file: File): Promise<R>;
  children(result: R): ReactNode;
}) {
  const u = useT(uiMessages);
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<{ value: R } | null>(null);
  const action = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setResult(null);
    void action.run(async () => setResult({ value: await p.send(file) }));
  };

  return (
    <form className="card" onSubmit={submit} aria-busy={action.busy} aria-labelledby={p.heading ? id : undefined}>
      {p.heading ? <h2 id={id}>{p.heading}</h2> : null}
      {p.hint}
      <div className="toolbar">
        <label>
          {p.label}
          <input type="file" accept={p.accept} required onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid={p.testId} />
        </label>
        {p.fields}
        <button type="submit" className="primary" disabled={action.busy || !file}>
          {action.busy ? u('importing') : u('upload')}
        </button>
      </div>
      <ErrorNote error={action.error} />
      {result ? p.children(result.value) : null}
    </form>
  );
}
