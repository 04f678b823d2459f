export default function Loading() {
  return (
    <div aria-busy="true">
      <p className="muted">Loading…</p>
    </div>
  );
}
