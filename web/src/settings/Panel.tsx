/** A settings tab: what it is for, a secret shown once, the last action's error, the form that adds one, then the list. */
import type { FormEvent, ReactNode } from 'react';
import { ErrorNote } from '../ui/index.tsx';

export function Panel(p: { intro: string; secret: ReactNode; problem: unknown; title: string; onSubmit(e: FormEvent): void; form: ReactNode; children: ReactNode }) {
  return (
    <div className="st-panel">
      <p className="muted">{p.intro}</p>
      {p.secret}
      <ErrorNote error={p.problem} />
      <form className="card st-form" onSubmit={p.onSubmit} aria-label={p.title}>
        <h3>{p.title}</h3>
        {p.form}
      </form>
      {p.children}
    </div>
  );
}
