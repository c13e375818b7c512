import { createRoot } from 'react-dom/client';

function Dashboard() {
  return <h1>ECP — Transparency Dashboard</h1>;
}

createRoot(document.getElementById('root')!).render(<Dashboard />);
