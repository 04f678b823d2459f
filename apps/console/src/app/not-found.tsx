import Link from "next/link";

export default function NotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <p>
        Nothing here. <Link href="/payments">Back to payments</Link>
      </p>
    </main>
  );
}
